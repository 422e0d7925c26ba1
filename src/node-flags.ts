/**
 * The Node flags the gateway's process starts with, wherever it starts: the image's CMD, `npm start`,
 * the compiled-server check, and the benches that run it "as production does" (test/ops checks that
 * the Dockerfile and package.json say the same). V8 flags are the process's, so they cannot be set
 * from inside once it runs.
 *
 * `--single-threaded-gc`: each heap collects its garbage on its own thread. By default V8 hands marking
 * and scavenging to helper threads shared by every heap of the process, at normal priority, so the
 * garbage of a pull thread (a third of a pull's CPU) escaped the thread's lower priority and competed
 * with the online lookups. With the flag, online lookups during pulls keep more of their rate and p99,
 * at the same CPU per pulled row (README, "Pull threads and garbage collection", for the figures).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--single-threaded-gc']
