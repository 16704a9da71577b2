//! User and group names from this machine's account database (`getpwuid_r`/`getgrgid_r`, so
//! that directory services are consulted as on macOS). On other systems every lookup is `None`.

/// The name of a user id on this machine, if it has one.
pub fn user_name(uid: u32) -> Option<String> {
    imp::user_name(uid)
}

/// The name of a group id on this machine, if it has one.
pub fn group_name(gid: u32) -> Option<String> {
    imp::group_name(gid)
}

/// The user id of a user name on this machine.
pub fn user_id(name: &str) -> Option<u32> {
    imp::user_id(name)
}

/// The group id of a group name on this machine.
pub fn group_id(name: &str) -> Option<u32> {
    imp::group_id(name)
}

#[cfg(unix)]
mod imp {
    use std::ffi::CStr;
    use std::mem::MaybeUninit;

    /// Large enough for any real entry; a bigger one (ERANGE) is retried once with more room.
    const BUF: usize = 4096;

    pub(super) fn user_name(uid: u32) -> Option<String> {
        let mut size = BUF;
        for _ in 0..2 {
            let mut buf = vec![0u8; size];
            let mut pwd = MaybeUninit::<libc::passwd>::uninit();
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            // SAFETY: every pointer refers to live, writable memory of the stated size for the
            // duration of the call; getpwuid_r writes only within them.
            let rc = unsafe {
                libc::getpwuid_r(
                    uid as libc::uid_t,
                    pwd.as_mut_ptr(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    &mut result,
                )
            };
            if rc == libc::ERANGE {
                size *= 16;
                continue;
            }
            if rc != 0 || result.is_null() {
                return None;
            }
            // SAFETY: on success `result` points at `pwd`, whose pw_name is a NUL-terminated
            // string inside `buf`, which is still alive here.
            let name = unsafe { CStr::from_ptr((*result).pw_name) };
            return Some(name.to_string_lossy().into_owned());
        }
        None
    }

    pub(super) fn user_id(name: &str) -> Option<u32> {
        let cname = std::ffi::CString::new(name).ok()?;
        let mut buf = vec![0u8; BUF * 16];
        let mut pwd = MaybeUninit::<libc::passwd>::uninit();
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: `cname` is NUL-terminated; the other pointers refer to live, writable memory
        // of the stated size for the duration of the call.
        let rc = unsafe {
            libc::getpwnam_r(
                cname.as_ptr(),
                pwd.as_mut_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            )
        };
        if rc != 0 || result.is_null() {
            return None;
        }
        // SAFETY: on success `result` points at the initialised `pwd`.
        Some(unsafe { (*result).pw_uid } as u32)
    }

    pub(super) fn group_id(name: &str) -> Option<u32> {
        let cname = std::ffi::CString::new(name).ok()?;
        let mut buf = vec![0u8; BUF * 16];
        let mut grp = MaybeUninit::<libc::group>::uninit();
        let mut result: *mut libc::group = std::ptr::null_mut();
        // SAFETY: as for getpwnam_r above.
        let rc = unsafe {
            libc::getgrnam_r(
                cname.as_ptr(),
                grp.as_mut_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            )
        };
        if rc != 0 || result.is_null() {
            return None;
        }
        // SAFETY: on success `result` points at the initialised `grp`.
        Some(unsafe { (*result).gr_gid } as u32)
    }

    pub(super) fn group_name(gid: u32) -> Option<String> {
        let mut size = BUF;
        for _ in 0..2 {
            let mut buf = vec![0u8; size];
            let mut grp = MaybeUninit::<libc::group>::uninit();
            let mut result: *mut libc::group = std::ptr::null_mut();
            // SAFETY: as for getpwuid_r above.
            let rc = unsafe {
                libc::getgrgid_r(
                    gid as libc::gid_t,
                    grp.as_mut_ptr(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    &mut result,
                )
            };
            if rc == libc::ERANGE {
                size *= 16;
                continue;
            }
            if rc != 0 || result.is_null() {
                return None;
            }
            // SAFETY: on success `result` points at `grp`, whose gr_name is a NUL-terminated
            // string inside `buf`, which is still alive here.
            let name = unsafe { CStr::from_ptr((*result).gr_name) };
            return Some(name.to_string_lossy().into_owned());
        }
        None
    }
}

#[cfg(not(unix))]
mod imp {
    pub(super) fn user_id(_: &str) -> Option<u32> {
        None
    }
    pub(super) fn group_id(_: &str) -> Option<u32> {
        None
    }
    pub(super) fn user_name(_: u32) -> Option<String> {
        None
    }
    pub(super) fn group_name(_: u32) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn root_is_uid_and_gid_zero() {
        // Every Unix names uid 0 root; gid 0 is root (Linux) or wheel (BSD, macOS).
        assert_eq!(super::user_name(0).as_deref(), Some("root"));
        assert!(matches!(
            super::group_name(0).as_deref(),
            Some("root" | "wheel")
        ));
        assert_eq!(super::user_name(4_000_000_123), None);
        assert_eq!(super::user_id("root"), Some(0));
        assert_eq!(super::user_id("no such user, surely"), None);
    }
}
