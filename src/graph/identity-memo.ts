// Values made once per tuple of objects, found again by the objects' identity (never by hashing
// what they hold) and kept weakly: a value goes when any object of its tuple goes. Reads use it to
// make a request's store graph plan once: routes keep each parsed query string's frozen request
// (routes/parsed-queries.ts) and every request spreads it with its own page, size and signal,
// which keeps the objects it holds, so the same parsed query finds the same plan. A caller that
// builds new objects per read makes a value per read, which is let go with them.

/** Stands for an absent part of a tuple. */
const ABSENT = Object.freeze({})

type Level = WeakMap<object, unknown>

export class IdentityMemo<V> {
  readonly #roots = new Map<string, Level>()

  /** The value of `name` and `parts` (absent ones allowed), made by `make` the first time. */
  of (name: string, parts: ReadonlyArray<object | undefined>, make: () => V): V {
    let level = this.#roots.get(name)
    if (level === undefined) this.#roots.set(name, level = new WeakMap())
    const last = parts.length - 1
    for (let i = 0; i < last; i++) {
      const key = parts[i] ?? ABSENT
      let next = level.get(key) as Level | undefined
      if (next === undefined) level.set(key, next = new WeakMap())
      level = next
    }
    const key = parts[last] ?? ABSENT
    if (level.has(key)) return level.get(key) as V
    const value = make()
    level.set(key, value)
    return value
  }
}
