package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/alicebob/miniredis/v2"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/redisstore"
)

func ExampleOpen() {
	mr, err := miniredis.Run() // stands in for the Redis at LAWBOT_REDIS_URL
	if err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	outbox, err := os.MkdirTemp("", "lawbot-outbox")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(outbox)

	s, err := redisstore.Open(context.Background(), "redis://"+mr.Addr()+"/0", redisstore.Options{
		Config:    stats.Config{ResidentKey: []byte("example-key-do-not-use-in-production")},
		OutboxDir: outbox, // in lawbot: a directory under the data directory
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	fmt.Println(s.Health())
	// Output: statistics ok
}
