// Runs a bench's main function with a hard deadline, so that a hung server or client never
// keeps a machine busy: past the deadline, or on an error, the bench exits non-zero (and its
// server children, which watch their IPC channel, stop with it). It ends by printing the
// machine's load average: other work on a shared machine skews absolute numbers (ratios less).
import { availableParallelism, loadavg } from 'node:os'

export function benchMain (name: string, maxMinutes: number, main: () => Promise<void>): void {
  const timer = setTimeout(() => {
    console.error(`${name}: gave up after ${maxMinutes} minutes`)
    process.exit(2)
  }, maxMinutes * 60_000)
  timer.unref()
  main().then(() => {
    const [one, five] = loadavg()
    console.log(
      `\n_load average at the end: ${one!.toFixed(1)} (1 min), ${five!.toFixed(1)} (5 min) ` +
        `on ${availableParallelism()} cores, of which the bench itself (server + client) accounts for about 2_`
    )
    process.exit(0)
  }, err => {
    console.error(`${name} failed:`, err)
    process.exit(1)
  })
}
