package telegram

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// maxBuffered is the largest request body sent in one piece; larger ones
// (file uploads) are streamed as they come.
const maxBuffered = 1 << 20

// wholeBody is a RoundTripper that reads a request body of unknown length
// into memory before sending it. The Bot API library streams every request
// as multipart through a pipe, which net/http sends chunked and flushes
// after each chunk: a dozen small writes, each a system call and often a
// packet, for a message of a few hundred bytes. Read whole, the request
// goes out with a Content-Length in one write, and can be replayed on a
// retry after a stale keep-alive connection.
type wholeBody struct {
	next http.RoundTripper
}

var bodyBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (t wholeBody) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength >= 0 && req.GetBody != nil {
		return t.next.RoundTrip(req)
	}
	buf := bodyBufs.Get().(*bytes.Buffer)
	buf.Reset()
	n, err := io.Copy(buf, io.LimitReader(req.Body, maxBuffered+1))
	if err != nil {
		req.Body.Close()
		bodyBufs.Put(buf)
		return nil, err
	}
	r := req.Clone(req.Context())
	if n > maxBuffered {
		// Too big to hold: what was read goes first, the rest streams.
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(buf.Bytes()), req.Body), req.Body}
		r.ContentLength = -1
		return t.next.RoundTrip(r)
	}
	req.Body.Close()
	body := bytes.Clone(buf.Bytes())
	bodyBufs.Put(buf)
	r.ContentLength = int64(len(body))
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return t.next.RoundTrip(r)
}
