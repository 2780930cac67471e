package schemas

import (
	"strings"
	"testing"
	"time"
)

// A job id is a valid id of the usual length whose shard (ArchivePageSubject) is the one of
// the moment it was made, and whose other characters are random.
func TestNewJobID(t *testing.T) {
	slot := func(at time.Time) int64 { return at.UnixNano() / int64(pageShardStep) % 1024 }
	shard := func(s int64) string { return string(base32Alphabet[s/32]) + string(base32Alphabet[s%32]) }
	seen := map[string]bool{}
	for range 1000 {
		before := slot(time.Now())
		id := NewJobID()
		after := slot(time.Now())
		if !ValidID(id) || len(id) != len(NewID()) {
			t.Fatalf("NewJobID() = %q: not an id like NewID's", id)
		}
		if id[:2] != shard(before) && id[:2] != shard(after) {
			t.Fatalf("NewJobID() = %q: shard %q, want the current one %q", id, id[:2], shard(before))
		}
		if want := SubjectArchivePrefix + ArchivePage + "." + id[:2]; ArchivePageSubject(id) != want {
			t.Fatalf("ArchivePageSubject(%q) = %q, want %q", id, ArchivePageSubject(id), want)
		}
		if seen[id[2:]] {
			t.Fatalf("NewJobID() repeated %q after the shard", id[2:])
		}
		seen[id[2:]] = true
		if strings.Trim(id, base32Alphabet) != "" {
			t.Fatalf("NewJobID() = %q: outside rand.Text's alphabet", id)
		}
	}
}
