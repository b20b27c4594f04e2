// Runs a bench's main function with a hard deadline, so that a hung server or client never
// keeps a machine busy: past the deadline, or on an error, the bench exits non-zero (and its
// server children, which watch their IPC channel, stop with it).

export function benchMain (name: string, maxMinutes: number, main: () => Promise<void>): void {
  const timer = setTimeout(() => {
    console.error(`${name}: gave up after ${maxMinutes} minutes`)
    process.exit(2)
  }, maxMinutes * 60_000)
  timer.unref()
  main().then(() => {
    process.exit(0)
  }, err => {
    console.error(`${name} failed:`, err)
    process.exit(1)
  })
}
