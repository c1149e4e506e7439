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
