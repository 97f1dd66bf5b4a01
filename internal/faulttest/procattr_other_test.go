//go:build !linux

package faulttest

import "syscall"

// childAttr runs a child as uid:gid when asUser (it does not die with the
// test binary on this platform).
func childAttr(asUser bool, uid, gid uint32) *syscall.SysProcAttr {
	if !asUser {
		return nil
	}
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
}
