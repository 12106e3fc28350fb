// The running-sum service on grpc-js alone, callback style: the floor that
// lib/ is measured against, on Deno and on Node alike.

/**
 * Serves sum.SumService on `port` (0 picks one) and prints "listening on
 * localhost:PORT" once ready. `prepareReplies` is given each SumServer
 * response stream before anything is written to it.
 */
export function serve(grpc, loader, protoPath, port, prepareReplies = () => {}) {
  const definition = loader.loadSync(protoPath, { keepCase: true, defaults: true });
  let total = 0;
  const add = (num) => {
    const next = total + num;
    if (next > 2147483647 || next < -2147483648) throw new RangeError("outside int32");
    return (total = next);
  };
  const server = new grpc.Server();
  server.addService(definition["sum.SumService"], {
    SumServer(call) {
      prepareReplies(call);
      const onData = ({ num }) => {
        try {
          if (!call.write({ sum: add(num) })) {
            call.pause();
            call.once("drain", () => call.resume());
          }
        } catch (error) {
          call.off("data", onData);
          call.emit("error", { code: grpc.status.OUT_OF_RANGE, details: error.message });
        }
      };
      call.on("data", onData);
      call.on("end", () => call.end());
    },
    Add({ request }, callback) {
      try {
        callback(null, { sum: add(request.num) });
      } catch (error) {
        callback({ code: grpc.status.OUT_OF_RANGE, details: error.message });
      }
    },
    AddAll(call, callback) {
      let batch = 0;
      call.on("data", ({ num }) => (batch += num));
      call.on("end", () => {
        try {
          callback(null, { sum: add(batch) });
        } catch (error) {
          callback({ code: grpc.status.OUT_OF_RANGE, details: error.message });
        }
      });
    },
    Watch(call) {
      call.write({ sum: total });
    },
  });
  server.bindAsync(`localhost:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
    if (error) throw error;
    console.log(`listening on localhost:${bound}`);
  });
  const stop = () => server.forceShutdown();
  process.on("SIGTERM", () => {
    stop();
    process.exit(0);
  });
}
