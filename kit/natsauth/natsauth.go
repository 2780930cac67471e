// Package natsauth is who may do what on trawl's NATS: one account for the pipeline (TRAWL)
// with a user per stage, each allowed only the subjects its stage uses, and one account for
// internal clients (CLIENT) that sees nothing of the pipeline but trawl.v1.search, imported
// from TRAWL and answered by the ingress (keys, tenants and limits as over HTTP).
//
// The same definitions make the embedded server's configuration (kit/embedded) and the
// nats-server configuration shipped for compose and Kubernetes (deploy/nats/accounts.conf, held
// to them by a test), so the permissions cannot drift between one process and a cluster. This
// package does not import nats-server: stage binaries link it to know their inbox prefix.
package natsauth

import (
	"fmt"
	"sort"
	"strings"

	"github.com/trawl-dev/trawl/schemas"
)

// Accounts.
const (
	AccountTrawl  = "TRAWL"
	AccountClient = "CLIENT"
)

// Users. A stage connects as the user of its name; "client" is for internal callers; "admin"
// is the operator's (stream deletion and the rest of the JetStream API).
const (
	UserIngress = "ingress"
	UserCache   = "cache"
	UserFetcher = "fetcher"
	UserParser  = "parser"
	UserClient  = "client"
	UserAdmin   = "admin"
)

// Role is one user's permissions.
type Role struct {
	User    string
	Account string
	Publish []string
	// Subscribe lists the subjects the user may subscribe to.
	Subscribe []string
	// AllowResponses lets the user answer requests sent to it (one reply each, to the
	// requester's inbox) without a publish permission on any inbox.
	AllowResponses bool
}

// InboxPrefix is the user's private inbox prefix: request replies come back under it, and no
// other user may subscribe there (subscribing to _INBOX.> used to show every tenant's answers).
func InboxPrefix(user string) string { return "_INBOX_" + user }

// jsAPI is a JetStream API subject.
func jsAPI(s string) string { return "$JS.API." + s }

// streamSetup is what a stage needs to reconcile the work streams (kit/streams).
func streamSetup() []string {
	out := []string{jsAPI("INFO")}
	for _, s := range []string{schemas.StreamFetch, schemas.StreamParse, schemas.StreamArchive} {
		out = append(out, jsAPI("STREAM.INFO."+s), jsAPI("STREAM.CREATE."+s), jsAPI("STREAM.UPDATE."+s))
	}
	return out
}

// consume is what a stage needs to pull from a stream through its durable consumer.
func consume(stream, consumer string) []string {
	return []string{
		jsAPI("CONSUMER.CREATE." + stream + ".>"),
		jsAPI("CONSUMER.DURABLE.CREATE." + stream + "." + consumer),
		jsAPI("CONSUMER.INFO." + stream + "." + consumer),
		jsAPI("CONSUMER.MSG.NEXT." + stream + "." + consumer),
		"$JS.ACK." + stream + ".>",
	}
}

// archive is what a stage needs to write the archive's records of kinds (schemas.ArchiveAnswer…)
// and read any record back by direct get.
func archive(kinds ...string) []string {
	out := []string{jsAPI("STREAM.INFO." + schemas.StreamArchive), jsAPI("DIRECT.GET." + schemas.StreamArchive),
		jsAPI("DIRECT.GET." + schemas.StreamArchive + ".>")}
	for _, k := range kinds {
		out = append(out, schemas.SubjectArchivePrefix+k+".>")
	}
	return out
}

// healthRead is what a stage needs to bind the engine health bucket (schemas.BucketEngineHealth)
// and read it: the bucket's info and direct gets (kit/enginehealth polls; no consumer).
func healthRead() []string {
	stream := "KV_" + schemas.BucketEngineHealth
	return []string{jsAPI("STREAM.INFO." + stream), jsAPI("DIRECT.GET." + stream + ".>")}
}

// healthWrite is what a parser needs on top: create or update the bucket, and write its keys.
func healthWrite() []string {
	stream := "KV_" + schemas.BucketEngineHealth
	return append(healthRead(), jsAPI("STREAM.CREATE."+stream), jsAPI("STREAM.UPDATE."+stream),
		"$KV."+schemas.BucketEngineHealth+".>")
}

// fetchHealth is what a fetcher needs for the fleet's fetch health (schemas.BucketFetchHealth):
// create or update the bucket, read its keys by direct get (no consumer) and write them.
func fetchHealth() []string {
	stream := "KV_" + schemas.BucketFetchHealth
	return []string{jsAPI("STREAM.INFO." + stream), jsAPI("STREAM.CREATE." + stream), jsAPI("STREAM.UPDATE." + stream),
		jsAPI("DIRECT.GET." + stream + ".>"), "$KV." + schemas.BucketFetchHealth + ".>"}
}

// micro is what a nats.go micro service subscribes to for discovery ($SRV.PING and friends).
func micro(service string) []string {
	return []string{"$SRV.*", "$SRV.*." + service, "$SRV.*." + service + ".>"}
}

// Roles lists every user of trawl's NATS with its permissions.
func Roles() []Role {
	return []Role{
		{
			User: UserIngress, Account: AccountTrawl, AllowResponses: true,
			// It writes the answers, batches and webhook records of the archive, and announces
			// async ends to the client account.
			Publish: append([]string{schemas.SubjectSearch, schemas.SubjectScrape, schemas.SubjectPageReparse,
				schemas.SubjectEnginesStatus, "$SRV.PING." + schemas.ServiceCache, schemas.SubjectDonePrefix + ">"},
				append(archive(schemas.ArchiveAnswer, schemas.ArchiveBundle, schemas.ArchiveBatch, schemas.ArchiveWebhook),
					healthRead()...)...),
			Subscribe: append([]string{InboxPrefix(UserIngress) + ".>", schemas.SubjectClientSearch, schemas.SubjectClientScrape},
				micro(schemas.ServiceIngress)...),
		},
		{
			// Only the cache publishes jobs.
			User: UserCache, Account: AccountTrawl, AllowResponses: true,
			// It reads engine health to leave degraded engines out of a metasearch.
			Publish: append(append([]string{schemas.SubjectFetchPrefix + ">"}, streamSetup()...), healthRead()...),
			Subscribe: append([]string{InboxPrefix(UserCache) + ".>", schemas.SubjectSearch, schemas.SubjectScrape,
				schemas.SubjectResultPrefix + ">"}, micro(schemas.ServiceCache)...),
		},
		{
			// The fetcher hands pages, and a job's typed failure (blocked, timed out, out of
			// deliveries), to the parse stream; it removes a dead-lettered job from its stream. It
			// shares proxy and breaker health with the other fetchers.
			User: UserFetcher, Account: AccountTrawl, AllowResponses: true,
			Publish: append(append(append([]string{schemas.SubjectParsePrefix + ">", schemas.SubjectDeadLetterPrefix + ">",
				jsAPI("STREAM.MSG.DELETE." + schemas.StreamFetch),
				jsAPI("STREAM.MSG.GET." + schemas.StreamFetch)}, streamSetup()...),
				consume(schemas.StreamFetch, schemas.ConsumerFetch)...), fetchHealth()...),
			Subscribe: append([]string{InboxPrefix(UserFetcher) + ".>", schemas.SubjectEnginesStatus,
				schemas.SubjectFetchMaxDeliveries}, micro(schemas.ServiceFetcher)...),
		},
		{
			User: UserParser, Account: AccountTrawl, AllowResponses: true,
			// It archives every page it parses, and keeps engine health (the silent-empty alarm).
			Publish: append(append(append(append([]string{schemas.SubjectResultPrefix + ">", schemas.SubjectDeadLetterPrefix + ">"},
				archive(schemas.ArchivePage)...), streamSetup()...), consume(schemas.StreamParse, schemas.ConsumerParse)...),
				healthWrite()...),
			Subscribe: append([]string{InboxPrefix(UserParser) + ".>", schemas.SubjectPageReparse},
				micro(schemas.ServiceParser)...),
		},
		{
			User: UserAdmin, Account: AccountTrawl,
			Publish: []string{">"}, Subscribe: []string{">"},
		},
		{
			// The client account holds nothing but the imported search and scrape and the
			// announcements of async ends: its inboxes are its own.
			User: UserClient, Account: AccountClient,
			Publish: []string{schemas.SubjectSearch, schemas.SubjectScrape}, Subscribe: []string{"_INBOX.>", schemas.SubjectDonePrefix + ">"},
		},
	}
}

// Role returns the named user's role.
func RoleOf(user string) (Role, bool) {
	for _, r := range Roles() {
		if r.User == user {
			return r, true
		}
	}
	return Role{}, false
}

// StageUsers are the users stages connect as, by stage name.
var StageUsers = []string{UserIngress, UserCache, UserFetcher, UserParser}

// Conf renders the accounts block of a nats-server configuration. password gives each user's
// password as it should appear in the file: a quoted literal for the embedded server, a
// $VARIABLE reference (resolved from the environment by nats-server) for a deployment.
func Conf(password func(user string) string) string {
	var b strings.Builder
	b.WriteString("accounts {\n")
	for _, acc := range []string{AccountTrawl, AccountClient} {
		fmt.Fprintf(&b, "  %s {\n", acc)
		if acc == AccountTrawl {
			b.WriteString("    jetstream: enabled\n")
			fmt.Fprintf(&b, "    exports: [ { service: %q }, { service: %q }, { stream: %q } ]\n", schemas.SubjectClientSearch, schemas.SubjectClientScrape, schemas.SubjectDonePrefix+">")
		} else {
			fmt.Fprintf(&b, "    imports: [ { service: { account: %s, subject: %q }, to: %q },\n", AccountTrawl, schemas.SubjectClientSearch, schemas.SubjectSearch)
			fmt.Fprintf(&b, "               { service: { account: %s, subject: %q }, to: %q },\n", AccountTrawl, schemas.SubjectClientScrape, schemas.SubjectScrape)
			fmt.Fprintf(&b, "               { stream: { account: %s, subject: %q } } ]\n", AccountTrawl, schemas.SubjectDonePrefix+">")
		}
		b.WriteString("    users: [\n")
		for _, r := range Roles() {
			if r.Account != acc {
				continue
			}
			fmt.Fprintf(&b, "      { user: %q, password: %s, permissions: {\n", r.User, password(r.User))
			fmt.Fprintf(&b, "          publish: { allow: %s", list(r.Publish))
			if r.User != UserAdmin {
				fmt.Fprintf(&b, ", deny: %s", list(denied))
			}
			b.WriteString(" }\n")
			fmt.Fprintf(&b, "          subscribe: { allow: %s }\n", list(r.Subscribe))
			if r.AllowResponses {
				b.WriteString("          allow_responses: true\n")
			}
			b.WriteString("      } }\n")
		}
		b.WriteString("    ]\n  }\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// denied is refused to every user but the operator's, whatever else allows it.
var denied = []string{jsAPI("STREAM.DELETE.>"), jsAPI("STREAM.PURGE.>"), jsAPI("CONSUMER.DELETE.>"),
	jsAPI("ACCOUNT.PURGE.>")}

func list(subjects []string) string {
	q := make([]string, len(subjects))
	for i, s := range subjects {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// EnvPasswordVar is the environment variable a deployment's nats-server reads a user's
// password from (TRAWL_NATS_PASSWORD_INGRESS, ...).
func EnvPasswordVar(user string) string { return "TRAWL_NATS_PASSWORD_" + strings.ToUpper(user) }

// Users lists every user name, sorted.
func Users() []string {
	var u []string
	for _, r := range Roles() {
		u = append(u, r.User)
	}
	sort.Strings(u)
	return u
}
