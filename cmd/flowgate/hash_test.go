package main

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestHashPassword(t *testing.T) {
	tests := []struct {
		name, in string
		code     int
	}{
		{"line", "s3cret\n", 0},
		{"no newline", "s3cret", 0},
		{"crlf", "s3cret\r\n", 0},
		{"empty", "\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := hashPassword(strings.NewReader(tt.in), &out, &errb); code != tt.code {
				t.Fatalf("code = %d (%s), want %d", code, errb.String(), tt.code)
			}
			if tt.code != 0 {
				return
			}
			h := strings.TrimSpace(out.String())
			if err := bcrypt.CompareHashAndPassword([]byte(h), []byte("s3cret")); err != nil {
				t.Errorf("%q is not a hash of s3cret: %v", h, err)
			}
		})
	}
}
