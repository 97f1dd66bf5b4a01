package faulttest

import "syscall"

// childAttr makes a child process die with the test binary (even when a
// timeout panic skips every cleanup), running as uid:gid when asUser.
func childAttr(asUser bool, uid, gid uint32) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if asUser {
		a.Credential = &syscall.Credential{Uid: uid, Gid: gid}
	}
	return a
}
