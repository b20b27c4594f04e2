// The docs as people see them: Debian's Chromium, headless, driven by playwright-core against
// the app listening on a real port. Screenshots go to test/artifacts/ (ignored by git).
import t, { type Test } from 'tap'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { chromium, type Browser, type Page } from 'playwright-core'
import { build } from '../helper.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARTIFACTS = new URL('../artifacts/', import.meta.url)
const ENTITIES = ['Category', 'Customer', 'Product', 'Order', 'OrderItem']

if (!existsSync(CHROMIUM)) {
  t.plan(0, `no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (.ci/run does)`)
} else {
  t.before(() => mkdir(ARTIFACTS, { recursive: true }))

  t.test('Swagger UI lists every entity and "try it out" loads an order graph', async t => {
    const { page, errors, foreign } = await open(t, '/docs')
    await page.waitForSelector('.opblock-tag-section')
    for (const entity of ENTITIES) {
      t.ok(await page.locator(`#operations-tag-${entity}`).count(), `${entity} operations are listed`)
    }
    t.ok(await page.locator('#operations-Model-getModel').count(), 'the model route is listed')

    const op = page.locator('#operations-Order-getOrder')
    await op.locator('.opblock-summary').click()
    await op.locator('button.try-out__btn').click()
    // "Try it out" prefills the id only (routes/try-it-out.ts), not depth=2, fields=… or limit[…]=5
    const inputs = op.locator('tr[data-param-name] input')
    const prefilled: string[] = []
    for (let i = 0; i < await inputs.count(); i++) {
      const input = inputs.nth(i)
      if (await input.inputValue() !== '') {
        prefilled.push(await input.evaluate(el => el.closest('tr')?.getAttribute('data-param-name') ?? '?'))
      }
    }
    t.same(prefilled, ['id'], 'only the id is prefilled')
    await op.locator('tr[data-param-name="id"] input').fill('ord-1')
    await op.locator('tr[data-param-name="with"] input').fill('all')
    await op.locator('button.execute').click()
    const status = op.locator('.live-responses-table .response .response-col_status').first()
    await status.waitFor()
    t.equal((await status.innerText()).trim(), '200')
    const body = await op.locator('.live-responses-table .response-col_description pre').first().innerText()
    const graph = JSON.parse(body)
    t.equal(graph.entity.id, 'ord-1')
    t.equal(graph.parents.customerId.id, graph.entity.customerId, 'the customer is loaded')
    t.ok(graph.children.OrderItem.orderId.length > 0, 'the items are loaded')
    await op.screenshot({ path: new URL('docs-try-it-out.png', ARTIFACTS).pathname })
    await page.screenshot({ path: new URL('docs.png', ARTIFACTS).pathname })
    t.same(errors, [], 'no console errors')
    t.same(foreign, [], 'everything is served by the app: no CDN')
  })

  t.test('/docs/model draws every entity', async t => {
    const { page, errors, foreign } = await open(t, '/docs/model')
    await page.waitForSelector('body[data-rendered]')
    t.equal(await page.getAttribute('body', 'data-rendered'), 'true', 'Mermaid rendered the diagram')
    const labels = await page.locator('#model svg').innerHTML()
    for (const entity of ENTITIES) t.match(labels, `>${entity}<`, `${entity} is drawn`)
    t.match(labels, '>customerId<', 'relationships are labelled with the reference property')
    await page.locator('#model svg').screenshot({ path: new URL('model.png', ARTIFACTS).pathname })
    t.same(errors, [], 'no console errors')
    t.same(foreign, [], 'everything is served by the app: no CDN')
  })
}

let browser: Browser | undefined
t.teardown(async () => await browser?.close())

async function open (t: Test, path: string): Promise<{ page: Page, errors: string[], foreign: string[] }> {
  const app = await build(t, { env: { SEED: 'true' } })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  browser ??= await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run'
    ]
  })
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  t.teardown(() => context.close())
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', message => { if (message.type() === 'error') errors.push(message.text()) })
  page.on('pageerror', error => errors.push(error.message))
  const foreign: string[] = []
  page.on('request', request => {
    if (!request.url().startsWith(address) && !request.url().startsWith('data:')) foreign.push(request.url())
  })
  await page.goto(address + path)
  return { page, errors, foreign }
}
