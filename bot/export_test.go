package bot

import (
	"maps"
	"slices"
)

// StaffCommandNames returns the commands refused to residents, sorted, so
// that the access tests cover every one.
func StaffCommandNames() []string { return slices.Sorted(maps.Keys(staffCommands)) }
