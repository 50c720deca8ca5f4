// Runs the processes of `npm run dev` and keeps them running: a child that exits unexpectedly is
// restarted with backoff, with one log line naming it, its exit code or signal and its last output.
// stop() ends them in reverse start order (each in its own process group, so grandchildren such as
// Next's workers go too) and waits until they are gone.
import { spawn, type ChildProcess } from "node:child_process"

export type ServiceSpec = {
  name: string
  command: string
  args: string[]
  env?: Record<string, string>
  cwd?: string
  /** Resolves once the service answers (port open, health endpoint up); rejects if it never does. */
  ready: (alive: () => boolean) => Promise<void>
}

const BACKOFF_MS = [250, 500, 1_000, 2_000, 4_000, 8_000]
const STABLE_AFTER_MS = 30_000 // a child that ran this long starts its backoff again from the first delay
const STOP_GRACE_MS = 5_000
const TAIL_LINES = 8

type Running = { spec: ServiceSpec; child: ChildProcess; startedAt: number; failures: number; tail: string[]; timer?: NodeJS.Timeout }

export class Supervisor {
  private services = new Map<string, Running>()
  private stopping = false

  constructor(private log: (line: string) => void = (l) => console.log(l)) {}

  /** Starts a service and waits until it is ready. */
  async start(spec: ServiceSpec) {
    const entry: Running = { spec, child: this.spawn(spec), startedAt: Date.now(), failures: 0, tail: [] }
    this.services.set(spec.name, entry)
    this.watch(entry)
    try {
      await spec.ready(() => entry.child.exitCode === null && entry.child.signalCode === null)
    } catch (err) {
      const tail = entry.tail.join("\n    ")
      throw new Error(`${spec.name}: ${(err as Error).message}${tail ? `\n    ${tail}` : ""}`)
    }
  }

  pid(name: string) {
    return this.services.get(name)?.child.pid
  }

  async stop() {
    this.stopping = true
    for (const entry of [...this.services.values()].reverse()) {
      clearTimeout(entry.timer)
      await terminate(entry.child)
    }
  }

  private spawn(spec: ServiceSpec) {
    return spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group: Ctrl-C reaches only us, and we stop the group in order
    })
  }

  private watch(entry: Running) {
    const { child, spec } = entry
    const forward = (out: NodeJS.WriteStream) => (chunk: Buffer) => {
      out.write(chunk)
      entry.tail.push(...chunk.toString().split("\n").filter(Boolean))
      entry.tail.splice(0, Math.max(0, entry.tail.length - TAIL_LINES))
    }
    child.stdout?.on("data", forward(process.stdout))
    child.stderr?.on("data", forward(process.stderr))
    child.on("error", (err) => this.log(`subkit: ${spec.name} could not start: ${err.message}`))
    child.once("exit", (code, signal) => {
      if (this.stopping) return
      if (Date.now() - entry.startedAt > STABLE_AFTER_MS) entry.failures = 0
      const delay = BACKOFF_MS[Math.min(entry.failures, BACKOFF_MS.length - 1)] ?? 8_000
      entry.failures++
      const why = signal ? `killed by ${signal}` : `exited with code ${code}`
      const last = entry.tail.at(-1)
      this.log(
        `subkit: ${spec.name} (pid ${child.pid}) ${why}${last ? ` (last output: ${last.trim()})` : ""}; restarting in ${delay} ms (restart #${entry.failures})`,
      )
      entry.timer = setTimeout(() => void this.restart(entry), delay)
    })
  }

  private async restart(entry: Running) {
    if (this.stopping) return
    entry.child = this.spawn(entry.spec)
    entry.startedAt = Date.now()
    entry.tail = []
    this.watch(entry)
    const child = entry.child
    try {
      await entry.spec.ready(() => child.exitCode === null && child.signalCode === null)
      if (!this.stopping) this.log(`subkit: ${entry.spec.name} is back (pid ${child.pid})`)
    } catch (err) {
      // Its exit handler schedules the next attempt; a child that runs but never answers is killed to get one.
      if (!this.stopping && child.exitCode === null) {
        this.log(`subkit: ${entry.spec.name} did not become ready (${(err as Error).message}); killing it`)
        await terminate(child)
      }
    }
  }
}

async function terminate(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const pid = child.pid
  const exited = new Promise((r) => child.once("exit", r))
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig)
    } catch {
      // the group is already gone
    }
  }
  signalGroup("SIGTERM")
  const timer = setTimeout(() => signalGroup("SIGKILL"), STOP_GRACE_MS)
  await exited
  clearTimeout(timer)
  signalGroup("SIGKILL") // grandchildren that outlived their parent (e.g. a Next worker)
}
