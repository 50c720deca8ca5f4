// The dev supervisor on real child processes: a crashing child is restarted with growing delays and
// each death is one log line with its exit code and last output; stop() ends a restarted child.
import { afterEach, describe, expect, it } from "vitest"
import { Supervisor } from "../../scripts/lib/supervisor"

let supervisor: Supervisor | undefined
afterEach(async () => {
  await supervisor?.stop()
})

describe("Supervisor", () => {
  it("restarts a child that keeps crashing with backoff, naming the exit code and the last output", async () => {
    const lines: string[] = []
    supervisor = new Supervisor((l) => lines.push(l))
    // Prints, then crashes 200 ms later; ready as soon as it runs.
    await supervisor.start({
      name: "crasher",
      command: process.execPath,
      args: ["-e", "console.log('about to fail'); setTimeout(() => process.exit(3), 200)"],
      ready: async () => {},
    })
    const first = supervisor.pid("crasher")
    await expect.poll(() => lines.filter((l) => l.includes("exited with code 3")).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3)
    const deaths = lines.filter((l) => l.includes("exited with code 3"))
    expect(deaths[0]).toMatch(
      new RegExp(
        `^subkit: crasher \\(pid ${first}\\) exited with code 3 \\(last output: about to fail\\); restarting in 250 ms \\(restart #1\\)$`,
      ),
    )
    expect(deaths[1]).toMatch(/restarting in 500 ms \(restart #2\)$/)
    expect(deaths[2]).toMatch(/restarting in 1000 ms \(restart #3\)$/)
    expect(lines.some((l) => l.startsWith("subkit: crasher is back (pid "))).toBe(true)
    expect(supervisor.pid("crasher")).not.toBe(first)
  }, 20_000)

  it("fails start() with the child's last output when it dies before it is ready", async () => {
    supervisor = new Supervisor(() => {})
    await expect(
      supervisor.start({
        name: "broken",
        command: process.execPath,
        args: ["-e", "console.error('EADDRINUSE: port taken'); process.exit(1)"],
        ready: async (alive) => {
          while (alive()) await new Promise((r) => setTimeout(r, 20))
          throw new Error("exited before it was ready")
        },
      }),
    ).rejects.toThrow(/broken: exited before it was ready\n\s+EADDRINUSE: port taken/)
  })

  it("stop() ends a running child and no restart follows", async () => {
    const lines: string[] = []
    supervisor = new Supervisor((l) => lines.push(l))
    await supervisor.start({
      name: "sleeper",
      command: process.execPath,
      args: ["-e", "setInterval(() => {}, 1000)"],
      ready: async () => {},
    })
    const pid = supervisor.pid("sleeper") ?? 0
    await supervisor.stop()
    expect(() => process.kill(pid, 0)).toThrow()
    await new Promise((r) => setTimeout(r, 400))
    expect(lines).toEqual([])
  })
})
