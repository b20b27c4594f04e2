// Default URL segments for entities: `OrderItem` is served under `/api/order-items`.
import pluralize from 'pluralize'

export function defaultRoute (entityName: string): string {
  const plural = pluralize.plural(entityName)
  return plural
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase()
}
