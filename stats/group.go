package stats

import "runtime"

// Gather returns first and the requests already waiting on ch, up to max
// events in all, as size counts them. A writer that commits requests in
// groups calls it with the request it just received: requests whose
// callers were answered by the last commit are likely about to be sent
// again, so it yields once to let them join this group instead of the
// next, and stops when nothing more is waiting.
func Gather[R any](ch <-chan R, first R, size func(R) int, max int) (group []R, n int) {
	group, n = []R{first}, size(first)
	yielded := false
	for n < max {
		select {
		case r := <-ch:
			group = append(group, r)
			n += size(r)
			yielded = false
			continue
		default:
		}
		if yielded {
			break
		}
		runtime.Gosched()
		yielded = true
	}
	return group, n
}
