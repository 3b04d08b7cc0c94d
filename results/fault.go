package results

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/mattn/go-sqlite3"
)

// StorageFault names the cause of a failed write in words a user acts on
// ("disk full: …", "read-only: …"); other errors come back as they were.
func StorageFault(err error) error {
	if err == nil {
		return nil
	}
	var se sqlite3.Error
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.As(err, &se) && se.Code == sqlite3.ErrFull:
		return fmt.Errorf("disk full: %w", err)
	case errors.Is(err, syscall.EDQUOT):
		return fmt.Errorf("disk quota exceeded: %w", err)
	case errors.Is(err, syscall.EROFS), errors.As(err, &se) && se.Code == sqlite3.ErrReadonly:
		return fmt.Errorf("read-only: %w", err)
	case errors.As(err, &se) && se.Code == sqlite3.ErrIoErr:
		return fmt.Errorf("I/O error: %w", err)
	}
	return err
}
