/**
 * The Node flags the gateway's process starts with, wherever it starts: the image's CMD, `npm start`,
 * the compiled-server check, and the benches that run it "as production does" (test/ops checks that
 * the Dockerfile and package.json say the same). V8 flags are the process's, so they cannot be set
 * from inside once it runs.
 *
 * `--single-threaded-gc`: each heap collects its garbage on its own thread. By default V8 hands marking
 * and scavenging to helper threads shared by every heap of the process, at normal priority, so the
 * garbage of a pull thread (a third of a pull's CPU) escaped the thread's lower priority and competed
 * with the online lookups. In eight alternating pairs of `npm run bench:pull` (README, "Pull threads
 * and garbage collection") online lookups during a 4-segment pull answered a median 1,470 against
 * 1,090 per second, and their p99 stayed within 2x of its value alone in 6 of 8 runs against 4 of 8;
 * pull throughput and CPU per row stayed within the runs' spread, and so did the gRPC hit path's CPU.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--single-threaded-gc']
