package schemas

import (
	"encoding/json"
	"strconv"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nats.go"
)

// EncodingS2 is HeaderEncoding's value for an s2-compressed page.
const EncodingS2 = "s2"

// PageMsg is a fetched page on its way to a parser: the fetcher publishes it on
// ParseSubject(engine) (stream StreamParse), the parser reads it with DecodePage.
type PageMsg struct {
	Job *FetchJob
	// JobJSON is the job as it came off the fetch stream. It rides along as it is (HeaderJob),
	// so the fetcher never encodes a job again and the parser keeps exactly what was asked.
	// Empty, Msg encodes Job.
	JobJSON []byte
	// Data is the page as it travels, compressed as Encoding says (Compress, Decompress).
	Data     []byte
	Encoding string
	// FetchMS is what the fetch took; Attempts how many upstream tries it made.
	FetchMS  float64
	Attempts int
	// FinalURL, HTTPStatus and ContentType describe a scraped page: where redirects ended,
	// the status and the Content-Type header it came with (empty for an engine's page).
	FinalURL    string
	HTTPStatus  int
	ContentType string
	// Err, when set, is why no page could be fetched (blocked, timed out, out of deliveries):
	// the parse stage publishes it as the job's outcome, so results only ever come from there.
	Err *Error
}

// Compress sets the page to html, s2-compressed into dst when dst is large enough (a pooled
// buffer: Data is then dst's memory, to be given back only once the message is published).
func (p *PageMsg) Compress(dst, html []byte) {
	p.Data = s2.Encode(dst, html)
	p.Encoding = EncodingS2
}

// Compressed reports whether Data must be decompressed to be read.
func (p *PageMsg) Compressed() bool { return p.Encoding == EncodingS2 }

// Decompress returns the page's HTML, decoded into dst when dst is large enough. Only a
// compressed page needs it; any other encoding is read as it is, as it always was.
func (p *PageMsg) Decompress(dst []byte) ([]byte, error) {
	if !p.Compressed() {
		return p.Data, nil
	}
	html, err := s2.Decode(dst, p.Data)
	if err != nil {
		return nil, Errorf(TypeInternal, "corrupt page on the parse stream: %v", err)
	}
	return html, nil
}

// Msg is the page as it travels. It carries no Nats-Msg-Id: a second copy of a page (its
// fetcher died, or lost the stream's ack, after publishing it, and the job was fetched again)
// costs one parse more, while the parse stream's de-duplication held every page id of its
// window in the server's heap, half of the live objects of `trawl serve` under a run of misses
// (the fetch stream keeps its window: a job published twice would be fetched twice).
func (p *PageMsg) Msg() (*nats.Msg, error) {
	job := p.JobJSON
	if len(job) == 0 {
		var err error
		if job, err = json.Marshal(p.Job); err != nil {
			return nil, err
		}
	}
	hv := &[6]string{ // one allocation for every value
		string(job), p.Job.Key, strconv.FormatInt(p.Job.Deadline, 10),
		FormatTimings(p.FetchMS, 0), strconv.Itoa(p.Attempts), p.Encoding,
	}
	h := nats.Header{
		HeaderJob:      hv[0:1:1],
		HeaderKey:      hv[1:2:2],
		HeaderDeadline: hv[2:3:3],
		HeaderTimings:  hv[3:4:4],
		HeaderAttempts: hv[4:5:5],
	}
	if p.Encoding != "" {
		h[HeaderEncoding] = hv[5:6:6]
	}
	if p.FinalURL != "" {
		h[HeaderFinalURL] = []string{p.FinalURL}
		h[HeaderHTTPStatus] = []string{strconv.Itoa(p.HTTPStatus)}
		h[HeaderPageType] = []string{p.ContentType}
	}
	data := p.Data
	if p.Err != nil {
		h[HeaderServiceErrorCode] = []string{p.Err.Code()}
		h[HeaderServiceError] = []string{p.Err.Title}
		h[HeaderErrorType] = []string{p.Err.Kind}
		data = p.Err.JSON()
	}
	return &nats.Msg{Subject: ParseSubject(p.Job.Route()), Header: h, Data: data}, nil
}

// DecodePage reads a page's headers and data (a jetstream.Msg's Headers() and Data()),
// decoding and checking its job. A malformed page is a validation error: no delivery of it
// can ever succeed.
func DecodePage(h nats.Header, data []byte) (PageMsg, error) {
	raw := []byte(h.Get(HeaderJob))
	job, err := DecodeFetchJob(raw)
	if err != nil {
		return PageMsg{}, err
	}
	fetchMS, _ := ParseTimings(h.Get(HeaderTimings))
	attempts, _ := strconv.Atoi(h.Get(HeaderAttempts))
	p := PageMsg{
		Job: job, JobJSON: raw, Data: data, Encoding: h.Get(HeaderEncoding),
		FetchMS: fetchMS, Attempts: attempts,
		FinalURL: h.Get(HeaderFinalURL), ContentType: h.Get(HeaderPageType),
	}
	p.HTTPStatus, _ = strconv.Atoi(h.Get(HeaderHTTPStatus))
	if code := h.Get(HeaderServiceErrorCode); code != "" {
		p.Err, p.Data, p.Encoding = DecodeError(code, h.Get(HeaderServiceError), data), nil, ""
	}
	return p, nil
}
