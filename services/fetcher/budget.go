package fetcher

import "sync"

// retryBudget bounds retries to a share of first attempts (the retry budgets of Finagle and
// gRPC): every first attempt deposits ratio tokens, every retry withdraws one, and the bucket
// holds at most burst. When an engine fails everything, retries stop at ratio × traffic
// instead of multiplying it by the attempt limit.
type retryBudget struct {
	mu     sync.Mutex
	tokens float64
	ratio  float64
	burst  float64
}

func newRetryBudget(ratio float64, burst int) *retryBudget {
	return &retryBudget{tokens: float64(burst), ratio: ratio, burst: float64(burst)}
}

// deposit records a first attempt.
func (b *retryBudget) deposit() {
	b.mu.Lock()
	b.tokens = min(b.tokens+b.ratio, b.burst)
	b.mu.Unlock()
}

// withdraw asks for one retry.
func (b *retryBudget) withdraw() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (b *retryBudget) balance() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tokens
}
