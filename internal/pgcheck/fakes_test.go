package pgcheck

import (
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// fakeServer accepts TCP connections on a loopback address and hands each to handle. Cleanup
// closes the listener and every connection, then waits for the handlers to return.
type fakeServer struct {
	listener net.Listener
	accepted atomic.Int32

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func startFake(t *testing.T, address string, handle func(net.Conn)) *fakeServer {
	t.Helper()
	l, err := net.Listen("tcp", address)
	if err != nil {
		t.Fatalf("listening on %s: %v", address, err)
	}
	f := &fakeServer{listener: l}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return // listener closed by cleanup
			}
			f.accepted.Add(1)
			f.mu.Lock()
			f.conns = append(f.conns, conn)
			f.mu.Unlock()
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				defer func() { _ = conn.Close() }()
				handle(conn)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			_ = c.Close()
		}
		f.mu.Unlock()
		f.wg.Wait()
	})
	return f
}

func (f *fakeServer) host() string {
	return f.listener.Addr().(*net.TCPAddr).IP.String()
}

func (f *fakeServer) port() int {
	return f.listener.Addr().(*net.TCPAddr).Port
}

func (f *fakeServer) addr() string {
	return net.JoinHostPort(f.host(), strconv.Itoa(f.port()))
}

// silent accepts the connection and never answers, like a host behind a firewall that drops
// packets after the handshake, or a hung server.
func silent(conn net.Conn) {
	_, _ = io.Copy(io.Discard, conn)
}

// refusesTLS answers an SSLRequest with 'N', as a server with ssl = off does.
func refusesTLS(conn net.Conn) {
	var request [8]byte
	if _, err := io.ReadFull(conn, request[:]); err != nil {
		return
	}
	if binary.BigEndian.Uint32(request[4:]) != 80877103 { // SSLRequest code
		return
	}
	if _, err := conn.Write([]byte{'N'}); err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, conn)
}

// failsWith answers the startup message with a FATAL error, as a server does when it is
// full (53300) or starting up (57P03).
func failsWith(code, message string) func(net.Conn) {
	return func(conn net.Conn) {
		backend := pgproto3.NewBackend(conn, conn)
		if _, err := backend.ReceiveStartupMessage(); err != nil {
			return
		}
		backend.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: message})
		_ = backend.Flush()
	}
}

// proxyTo forwards the connection to target byte for byte.
func proxyTo(target string) func(net.Conn) {
	return func(conn net.Conn) {
		upstream, err := net.Dial("tcp", target)
		if err != nil {
			return
		}
		defer func() { _ = upstream.Close() }()
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = io.Copy(upstream, conn)
			closeWrite(upstream)
		}()
		_, _ = io.Copy(conn, upstream)
		closeWrite(conn)
		<-done
	}
}

// closeWrite passes an end of stream on without closing the other direction.
func closeWrite(c net.Conn) {
	if tcp, ok := c.(*net.TCPConn); ok {
		_ = tcp.CloseWrite()
	}
}

// firstThen hands the first n connections to first and the rest to then.
func firstThen(n int32, first, then func(net.Conn)) func(net.Conn) {
	var seen atomic.Int32
	return func(conn net.Conn) {
		if seen.Add(1) <= n {
			first(conn)
			return
		}
		then(conn)
	}
}
