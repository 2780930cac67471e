package parser

import (
	"time"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/scrape"
)

// convert turns a scraped page into the formats its job asks for and publishes the outcome:
// the body as schemas.EncodeScrapeBody lays it out, or the typed failure (unsupported content).
func (s *Service) convert(page *schemas.PageMsg, body []byte, start time.Time) error {
	job := page.Job
	const route = schemas.ScrapeRoute
	out, err := s.scrape(scrapePage(page, body), job.Scrape)
	took := time.Since(start)
	s.duration.WithLabelValues(route).Observe(took.Seconds())
	if err != nil {
		e := schemas.AsError(err)
		s.pages.WithLabelValues(route, e.Kind).Inc()
		s.log.Warn("page not converted", "job", job.ID, "kind", e.Kind, "err", e.Detail)
		e.PageID = job.ID
		return s.publish(&schemas.Outcome{Key: job.Key, JobID: job.ID, Err: e})
	}
	s.pages.WithLabelValues(route, "ok").Inc()
	return s.publish(&schemas.Outcome{Key: job.Key, JobID: job.ID, Body: schemas.EncodeScrapeBody(out),
		FetchMS: page.FetchMS, ParseMS: float64(took.Microseconds()) / 1000})
}

// scrapePage is what the converter reads of a page.
func scrapePage(page *schemas.PageMsg, body []byte) scrape.Page {
	return scrape.Page{Body: body, URL: page.FinalURL, ContentType: page.ContentType, HTTPStatus: page.HTTPStatus}
}

// scrape runs the converter, turning a panic on hostile HTML into a typed error: one page must
// never take the stage down.
func (s *Service) scrape(p scrape.Page, r *schemas.ScrapeRequest) (out *schemas.ScrapeBody, err error) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("converter panic", "url", p.URL, "panic", v)
			out, err = nil, schemas.Errorf(schemas.TypeUnrecognised, "scrape: the converter failed on this page")
		}
	}()
	return scrape.Convert(p, r)
}
