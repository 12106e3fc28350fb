// Command go_server serves sum.SumService (SumServer and Add) with grpc-go's
// own server: the "near-limit" column of the bench. Messages are encoded by
// hand, as in bench/loadgen, so it needs no generated code.
//
// Prints "listening on HOST:PORT" once ready (-port 0 picks a free one) and
// serves until killed.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"strconv"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// rawCodec passes messages through as bytes; it is named "proto" so that it
// stands in for the default codec.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) String() string { return "proto" }
func (rawCodec) Name() string   { return "proto" }

var errMalformed = errors.New("malformed message")

// varint decodes a base-128 varint at the start of data, returning it and its
// length.
func varint(data []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(data) && i < 10; i++ {
		v |= uint64(data[i]&0x7f) << (7 * uint(i))
		if data[i] < 0x80 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errMalformed
}

// request decodes RequestMessage{int32 num = 1}: field 1 if present (the last
// one wins), otherwise 0; other fields are skipped.
func request(data []byte) (int32, error) {
	var num int32
	for len(data) > 0 {
		key, n, err := varint(data)
		if err != nil {
			return 0, err
		}
		data = data[n:]
		field, wire := key>>3, key&7
		switch wire {
		case 0: // varint
			v, n, err := varint(data)
			if err != nil {
				return 0, err
			}
			data = data[n:]
			if field == 1 {
				num = int32(v)
			}
		case 1: // fixed64
			if len(data) < 8 {
				return 0, errMalformed
			}
			data = data[8:]
		case 2: // length-delimited
			l, n, err := varint(data)
			if err != nil || l > uint64(len(data)-n) {
				return 0, errMalformed
			}
			data = data[n+int(l):]
		case 5: // fixed32
			if len(data) < 4 {
				return 0, errMalformed
			}
			data = data[4:]
		default:
			return 0, errMalformed
		}
	}
	return num, nil
}

// reply encodes ReplyMessage{int32 sum = 1}: empty for 0, and a negative
// number sign-extended to 64 bits (10 bytes), as proto3 does.
func reply(sum int32) []byte {
	if sum == 0 {
		return []byte{}
	}
	v := uint64(int64(sum))
	out := make([]byte, 1, 11)
	out[0] = 0x08
	for v >= 0x80 {
		out = append(out, byte(v)|0x80)
		v >>= 7
	}
	return append(out, byte(v))
}

// server keeps the one total that every number from every client goes into.
type server struct {
	mu    sync.Mutex
	total int32
}

// add adds num to the total and returns the new total, or fails with
// OUT_OF_RANGE and leaves the total unchanged if it would leave int32.
func (s *server) add(num int32) (int32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := int64(s.total) + int64(num)
	if next < math.MinInt32 || next > math.MaxInt32 {
		return 0, status.Errorf(codes.OutOfRange, "total %d + %d is outside int32", s.total, num)
	}
	s.total = int32(next)
	return s.total, nil
}

func sumServerHandler(srv interface{}, stream grpc.ServerStream) error {
	s := srv.(*server)
	for {
		var in []byte
		if err := stream.RecvMsg(&in); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		num, err := request(in)
		if err != nil {
			return status.Error(codes.Internal, err.Error())
		}
		total, err := s.add(num)
		if err != nil {
			return err
		}
		out := reply(total)
		if err := stream.SendMsg(&out); err != nil {
			return err
		}
	}
}

func addHandler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	var in []byte
	if err := dec(&in); err != nil {
		return nil, err
	}
	handle := func(ctx context.Context, req interface{}) (interface{}, error) {
		num, err := request(*(req.(*[]byte)))
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		total, err := srv.(*server).add(num)
		if err != nil {
			return nil, err
		}
		out := reply(total)
		return &out, nil
	}
	if interceptor == nil {
		return handle(ctx, &in)
	}
	info := &grpc.UnaryServerInfo{Server: srv, FullMethod: "/sum.SumService/Add"}
	return interceptor(ctx, &in, info, handle)
}

var serviceDesc = grpc.ServiceDesc{
	ServiceName: "sum.SumService",
	HandlerType: (*interface{})(nil),
	Methods:     []grpc.MethodDesc{{MethodName: "Add", Handler: addHandler}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "SumServer",
		Handler:       sumServerHandler,
		ServerStreams: true,
		ClientStreams: true,
	}},
	Metadata: "sum.proto",
}

func main() {
	port := flag.Int("port", 0, "port to listen on (0 picks a free one)")
	host := flag.String("host", "localhost", "host to listen on")
	flag.Parse()
	lis, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "go_server:", err)
		os.Exit(1)
	}
	s := grpc.NewServer(grpc.CustomCodec(rawCodec{}))
	s.RegisterService(&serviceDesc, &server{})
	bound := lis.Addr().(*net.TCPAddr).Port
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(w, "listening on %s\n", net.JoinHostPort(*host, strconv.Itoa(bound)))
	w.Flush()
	if err := s.Serve(lis); err != nil {
		fmt.Fprintln(os.Stderr, "go_server:", err)
		os.Exit(1)
	}
}
