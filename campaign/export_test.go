package campaign

import bolt "go.etcd.io/bbolt"

// RecipientsKept returns how many chat ids broadcast id still holds.
func RecipientsKept(s *Store, id string) int {
	n := 0
	s.db.View(func(tx *bolt.Tx) error {
		if b := broadcastBucket(tx, id); b != nil {
			if r := b.Bucket(keyRecipients); r != nil {
				n = r.Stats().KeyN
			}
		}
		return nil
	})
	return n
}

// PosterQR returns where the PNG poster of campaign id draws module (0, 0)
// of a QR code of n modules across (with its quiet zone), and the side of
// a module, in pixels.
func PosterQR(id string, n int) (x, y, module int) {
	_, _, g := posterGeometry(n, []string{"EVENT #" + id, "2006-01-02 15:04"})
	return g.x0, g.y0, g.module
}
