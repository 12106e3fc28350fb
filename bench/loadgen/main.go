// Command loadgen drives a sum.SumService server at full speed, the same way
// whichever implementation serves it, and prints one JSON object of results.
// Messages are encoded by hand (RequestMessage{num} is field 1, a varint;
// with -keyed, client_id is field 2, a string, on each stream's first message,
// and seq is field 3, a varint), so it needs no generated code.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
)

type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

var bidi = &grpc.StreamDesc{StreamName: "SumServer", ServerStreams: true, ClientStreams: true}

const sumServer = "/sum.SumService/SumServer"
const add = "/sum.SumService/Add"

func varint(out []byte, v uint64) []byte {
	for v >= 0x80 {
		out = append(out, byte(v)|0x80)
		v >>= 7
	}
	return append(out, byte(v))
}

func request(num int32) []byte {
	return varint([]byte{0x08}, uint64(int64(num)))
}

// keyed, when set, numbers each stream's requests for exactly-once.
var keyed bool
var streamCount int64

// keyedRequest is request(num) with the client id (when not empty) and seq.
func keyedRequest(num int32, client string, seq uint64) []byte {
	out := request(num)
	if client != "" {
		out = varint(append(out, 0x12), uint64(len(client)))
		out = append(out, client...)
	}
	return varint(append(out, 0x18), seq)
}

func reply(data []byte) int32 {
	if len(data) == 0 {
		return 0
	}
	var v uint64
	for i, shift := 1, uint(0); i < len(data); i, shift = i+1, shift+7 {
		v |= uint64(data[i]&0x7f) << shift
		if data[i] < 0x80 {
			break
		}
	}
	return int32(v)
}

// dialPool connects n times, round-robin over targets.
func dialPool(targets []string, n int) []*grpc.ClientConn {
	pool := make([]*grpc.ClientConn, n)
	for i := range pool {
		pool[i] = dial(targets[i%len(targets)])
	}
	return pool
}

func closePool(pool []*grpc.ClientConn) {
	for _, c := range pool {
		c.Close()
	}
}

func dial(target string) *grpc.ClientConn {
	conn, err := grpc.Dial(target, grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		fail(err)
	}
	return conn
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(1)
}

// stream sends n ones on one SumServer stream while reading the replies; it
// returns the first and last totals.
func stream(ctx context.Context, conn *grpc.ClientConn, n int) (int32, int32) {
	s, err := conn.NewStream(ctx, bidi, sumServer)
	if err != nil {
		fail(err)
	}
	one := request(1)
	client := fmt.Sprintf("loadgen-%d-%d", os.Getpid(), atomic.AddInt64(&streamCount, 1))
	go func() {
		for i := 0; i < n; i++ {
			message := &one
			if keyed {
				id := ""
				if i == 0 {
					id = client
				}
				numbered := keyedRequest(1, id, uint64(i+1))
				message = &numbered
			}
			if err := s.SendMsg(message); err != nil {
				fail(err)
			}
		}
		s.CloseSend()
	}()
	var first, last int32
	for i := 0; i < n; i++ {
		var data []byte
		if err := s.RecvMsg(&data); err != nil {
			fail(err)
		}
		last = reply(data)
		if i == 0 {
			first = last
		}
	}
	var data []byte
	if err := s.RecvMsg(&data); !errors.Is(err, io.EOF) {
		fail(fmt.Errorf("stream did not end cleanly: %v", err))
	}
	return first, last
}

// churnOne opens a connection, sends three numbers on a SumServer stream,
// reading each reply, and ends it: way 0 finishes the call, 1 cancels it, 2
// drops the TCP connection.
// churnFailed counts a failed churned connection, and prints the first few.
func churnFailed(errs *int64, err error) {
	if atomic.AddInt64(errs, 1) <= 3 {
		fmt.Fprintln(os.Stderr, "loadgen: a churned connection failed:", err)
	}
}

func churnOne(ctx context.Context, target string, way int, errs *int64) {
	var raw net.Conn
	conn, err := grpc.DialContext(ctx, target, grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
			raw = c
			return c, err
		}))
	if err != nil {
		churnFailed(errs, err)
		return
	}
	defer conn.Close()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := conn.NewStream(sctx, bidi, sumServer)
	if err != nil {
		churnFailed(errs, err)
		return
	}
	one := request(1)
	for i := 0; i < 3; i++ {
		var data []byte
		if err := s.SendMsg(&one); err != nil {
			churnFailed(errs, err)
			return
		}
		if err := s.RecvMsg(&data); err != nil {
			churnFailed(errs, err)
			return
		}
	}
	switch way {
	case 0:
		s.CloseSend()
		var data []byte
		s.RecvMsg(&data)
	case 1:
		cancel()
	case 2:
		raw.Close()
	}
}

func percentile(sorted []time.Duration, p float64) float64 {
	i := int(float64(len(sorted)-1) * p)
	return float64(sorted[i].Nanoseconds()) / 1000
}

func main() {
	target := flag.String("target", "localhost:50051",
		"server address, or comma-separated addresses: fanin and idle spread their connections round-robin over them, other modes use the first")
	mode := flag.String("mode", "pipelined", "pipelined, pingpong, fanin, unary, idle or churn")
	n := flag.Int("n", 200000, "numbers (per stream for fanin), round trips, calls, or connections (churn)")
	streams := flag.Int("streams", 100, "streams, for fanin and idle")
	conns := flag.Int("conns", 4, "connections, for fanin, unary and idle; connections at once, for churn")
	inflight := flag.Int("inflight", 64, "calls in flight, for unary")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up after this long")
	flag.BoolVar(&keyed, "keyed", false, "number each stream's requests (client_id, seq) for exactly-once")
	resume := flag.Bool("resume", false, "fanin: numbered streams that resume after UNAVAILABLE, "+
		"as client.ts does; checks that the total grew by exactly what was sent")
	connectEveryFlag := flag.Duration("connect-every", 0, "fanin: meanwhile, a new connection "+
		"this often, which reads the total and closes")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	result := map[string]interface{}{"mode": *mode}
	targets := strings.Split(*target, ",")
	// One connection for the modes that use one: fanin and unary make their
	// own, and an idle one more would count in how a server's workers share
	// the connections (bench/connection_split.ts).
	var conn *grpc.ClientConn
	if *mode == "pipelined" || *mode == "pingpong" || *resume {
		conn = dial(targets[0])
		defer conn.Close()
	}
	start := time.Now()
	switch *mode {
	case "pipelined":
		first, last := stream(ctx, conn, *n)
		elapsed := time.Since(start).Seconds()
		if int(last-first) != *n-1 {
			fail(fmt.Errorf("last reply %d after first %d: expected %d more", last, first, *n-1))
		}
		result["msgs_per_s"] = float64(*n) / elapsed
	case "pingpong":
		s, err := conn.NewStream(ctx, bidi, sumServer)
		if err != nil {
			fail(err)
		}
		one := request(1)
		latencies := make([]time.Duration, *n)
		for i := range latencies {
			began := time.Now()
			if err := s.SendMsg(&one); err != nil {
				fail(err)
			}
			var data []byte
			if err := s.RecvMsg(&data); err != nil {
				fail(err)
			}
			latencies[i] = time.Since(began)
		}
		s.CloseSend()
		sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
		result["p50_us"] = percentile(latencies, 0.5)
		result["p99_us"] = percentile(latencies, 0.99)
		result["max_us"] = percentile(latencies, 1)
	case "fanin":
		pool := dialPool(targets, *conns)
		defer closePool(pool)
		var before int32
		if *resume {
			var err error
			if before, err = currentTotal(ctx, conn); err != nil {
				fail(err)
			}
		}
		connecting, stopConnecting := context.WithCancel(ctx)
		connections := make(chan [2]int64, 1)
		if *connectEveryFlag > 0 {
			go func() {
				made, failed := connectEvery(connecting, targets[0], *connectEveryFlag)
				connections <- [2]int64{made, failed}
			}()
		}
		start = time.Now()
		var wg sync.WaitGroup
		var resumes int64
		for i := 0; i < *streams; i++ {
			wg.Add(1)
			go func(c *grpc.ClientConn) {
				defer wg.Done()
				if *resume {
					_, _, r := resumingStream(ctx, c, *n)
					atomic.AddInt64(&resumes, r)
				} else {
					stream(ctx, c, *n)
				}
			}(pool[i%*conns])
		}
		wg.Wait()
		result["msgs_per_s"] = float64(*n**streams) / time.Since(start).Seconds()
		stopConnecting()
		if *connectEveryFlag > 0 {
			made := <-connections
			result["connections"], result["connection_errors"] = made[0], made[1]
		}
		if *resume {
			after, err := currentTotal(ctx, conn)
			if err != nil {
				fail(err)
			}
			if int(after-before) != *n**streams {
				fail(fmt.Errorf("the total grew by %d, not the %d numbers sent", after-before, *n**streams))
			}
			result["resumes"] = resumes
		}
	case "unary":
		// Several connections, as several clients make: a server of several
		// processes on one port spreads connections, not calls.
		pool := dialPool(targets, *conns)
		defer closePool(pool)
		latencies := make([]time.Duration, *n)
		var next int64
		var mu sync.Mutex
		var wg sync.WaitGroup
		one := request(1)
		start = time.Now()
		for w := 0; w < *inflight; w++ {
			wg.Add(1)
			go func(conn *grpc.ClientConn) {
				defer wg.Done()
				for {
					mu.Lock()
					i := next
					next++
					mu.Unlock()
					if int(i) >= *n {
						return
					}
					began := time.Now()
					var out []byte
					if err := conn.Invoke(ctx, add, &one, &out); err != nil {
						fail(err)
					}
					latencies[i] = time.Since(began)
				}
			}(pool[w%*conns])
		}
		wg.Wait()
		result["calls_per_s"] = float64(*n) / time.Since(start).Seconds()
		sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
		result["p99_us"] = percentile(latencies, 0.99)
	case "churn":
		// Connections made and ended, -conns at a time, each after three
		// numbers: finished, cancelled, or its TCP connection dropped, in turn.
		var errs int64
		for done := 0; done < *n; done += *conns {
			var wg sync.WaitGroup
			for i := done; i < done+*conns && i < *n; i++ {
				wg.Add(1)
				go func(way int) { defer wg.Done(); churnOne(ctx, targets[0], way, &errs) }(i % 3)
			}
			wg.Wait()
		}
		result["conns"] = *n
		result["errors"] = errs
	case "idle":
		// Opens the streams over the connections, makes sure each is
		// answered, says so, and holds them until stdin closes.
		pool := dialPool(targets, *conns)
		defer closePool(pool)
		one := request(1)
		held := make([]grpc.ClientStream, *streams)
		for i := range held {
			s, err := pool[i%*conns].NewStream(context.Background(), bidi, sumServer)
			if err != nil {
				fail(err)
			}
			if err := s.SendMsg(&one); err != nil {
				fail(err)
			}
			var data []byte
			if err := s.RecvMsg(&data); err != nil {
				fail(err)
			}
			held[i] = s
		}
		fmt.Println(`{"mode":"idle","ready":true}`)
		io.Copy(io.Discard, os.Stdin)
		return
	default:
		fail(fmt.Errorf("unknown mode %q", *mode))
	}
	out, _ := json.Marshal(result)
	fmt.Println(string(out))
}
