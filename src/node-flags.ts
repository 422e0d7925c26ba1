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
 *
 * `--heap-growing-percent=200`: every heap collects its old generation once it has grown to 3× what
 * survived the last collection. V8 otherwise ties that factor to the heap's cap: 1.3 for caps up to
 * 256 MB, so a pull thread (capped at 128 MiB) ran about ten times as many full collections as an
 * uncapped heap and spent a fifth of a pulled row's CPU on them; the main heap under the deployment's
 * 768 MiB cap got about 1.5. The caps still bound every heap (V8 never sets the next limit past
 * halfway from the live size to the cap), so memory stays inside the container's budget; what
 * changes is how full a heap gets before it is collected (README, "The pull thread's heap cap and
 * V8's growth factor").
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--single-threaded-gc', '--heap-growing-percent=200']
