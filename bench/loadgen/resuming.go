package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const watch = "/sum.SumService/Watch"

var watchStream = &grpc.StreamDesc{StreamName: "Watch", ServerStreams: true}

// resumableRequest is a keyed request with what a resuming client adds:
// every number up to confirmed has had its reply, and resend marks one sent
// before on a call that ended without its reply.
func resumableRequest(client string, seq, confirmed uint64, resend bool) []byte {
	out := varint(keyedRequest(1, client, seq), 0x20)
	out = varint(out, confirmed)
	if resend {
		out = append(out, 0x28, 1)
	}
	return out
}

// inFlight is how many numbers a resuming stream sends ahead of its replies,
// at most: as client.ts (lib/resuming/resumable.ts), which keeps them to send
// again.
const inFlight = 1024

// resumingStream sends n ones as one client, as client.ts does: at most
// inFlight ahead of the replies, and when a stream ends UNAVAILABLE (its
// server draining or gone), it opens another on the same connection (which
// reconnects) and resends, marked, every number sent and not answered. It fails on any total that is not one more than the
// stream's last but for the others' numbers (totals must increase), and
// returns the first and last totals and how many times it resumed.
func resumingStream(ctx context.Context, conn *grpc.ClientConn, n int) (int32, int32, int64) {
	client := fmt.Sprintf("loadgen-%d-%d", os.Getpid(), atomic.AddInt64(&streamCount, 1))
	var sent int64 // numbers sent, on any stream: seq 1 … sent
	var answered int64
	room := make(chan struct{}, inFlight)
	var first, last int32
	var resumes int64
	for int(answered) < n {
		sctx, cancel := context.WithCancel(ctx)
		s, err := conn.NewStream(sctx, bidi, sumServer, grpc.WaitForReady(true))
		if err != nil {
			cancel()
			fail(err)
		}
		from, resendTo := int(answered), int(atomic.LoadInt64(&sent))
		// Room for inFlight numbers ahead of the replies, from here.
		for len(room) > 0 {
			<-room
		}
		for i := 0; i < inFlight; i++ {
			room <- struct{}{}
		}
		go func() {
			for i := from; i < n; i++ {
				select {
				case <-room:
				case <-sctx.Done():
					return
				}
				id := ""
				if i == from {
					id = client
				}
				message := resumableRequest(id, uint64(i+1), uint64(from), i < resendTo)
				if s.SendMsg(&message) != nil {
					return
				}
				for {
					was := atomic.LoadInt64(&sent)
					if int64(i+1) <= was || atomic.CompareAndSwapInt64(&sent, was, int64(i+1)) {
						break
					}
				}
			}
			s.CloseSend()
		}()
		for int(answered) < n {
			var data []byte
			err := s.RecvMsg(&data)
			if status.Code(err) == codes.Unavailable {
				resumes++
				break
			}
			if err != nil {
				fail(err)
			}
			total := reply(data)
			if answered > 0 && total <= last {
				fail(fmt.Errorf("total %d after %d: totals must increase", total, last))
			}
			if answered == 0 {
				first = total
			}
			last = total
			answered++
			select {
			case room <- struct{}{}:
			default:
			}
		}
		if int(answered) == n {
			var data []byte
			if err := s.RecvMsg(&data); !errors.Is(err, io.EOF) {
				fail(fmt.Errorf("stream did not end cleanly: %v", err))
			}
		}
		cancel()
	}
	return first, last, resumes
}

// currentTotal reads the total with Watch{current_only}.
func currentTotal(ctx context.Context, conn *grpc.ClientConn) (int32, error) {
	s, err := conn.NewStream(ctx, watchStream, watch, grpc.WaitForReady(true))
	if err != nil {
		return 0, err
	}
	currentOnly := []byte{0x08, 1}
	if err := s.SendMsg(&currentOnly); err != nil {
		return 0, err
	}
	s.CloseSend()
	var data []byte
	if err := s.RecvMsg(&data); err != nil {
		return 0, err
	}
	return reply(data), nil
}

// connectEvery opens a connection every interval until ctx ends, reads the
// total on it and closes it: connections that come and go, changing nothing.
// It returns how many were made and how many failed.
func connectEvery(ctx context.Context, target string, interval time.Duration) (int64, int64) {
	var made, failed int64
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return atomic.LoadInt64(&made), atomic.LoadInt64(&failed)
		case <-ticker.C:
			go func() {
				cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				conn, err := grpc.DialContext(cctx, target, grpc.WithInsecure(), grpc.WithBlock(),
					grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
				if err == nil {
					_, err = currentTotal(cctx, conn)
					// A call made as the server's GOAWAY came: newer grpc-go
					// sends it again by itself (transparent retry).
					if strings.Contains(status.Convert(err).Message(), "the connection is draining") {
						_, err = currentTotal(cctx, conn)
					}
					conn.Close()
				}
				atomic.AddInt64(&made, 1)
				if err != nil && ctx.Err() == nil {
					if atomic.AddInt64(&failed, 1) <= 3 {
						fmt.Fprintln(os.Stderr, "loadgen: a connection failed:", err)
					}
				}
			}()
		}
	}
}
