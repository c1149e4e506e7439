package bot

import "testing"

func TestFollowUpLike(t *testing.T) {
	tests := []struct {
		q    string
		want bool
	}{
		{"要多久？", true},
		{"那需要什么材料？", true},
		{"如果对方不同意呢", true},
		{"费用谁出", true},
		{"离婚后孩子归谁抚养", false},
		{"父母留下的房子怎么继承", false},
		{"那我家楼上邻居每天晚上装修敲打到十二点以后，跟物业说了也不管", false},
	}
	for _, tt := range tests {
		if got := followUpLike(tt.q); got != tt.want {
			t.Errorf("followUpLike(%q) = %v, want %v", tt.q, got, tt.want)
		}
	}
}
