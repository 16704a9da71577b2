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
    use std::ffi::{CStr, CString};
    use std::mem::MaybeUninit;

    /// Large enough for any real entry; a bigger one (ERANGE) is retried once with more room.
    const BUF: usize = 4096;

    /// Calls one of the reentrant `get*_r` functions: `call(entry, buf, buflen, result)` fills
    /// `entry` (with strings in `buf`) and sets `result` to it on success; `read` takes what is
    /// wanted from the entry while `buf` is still alive.
    fn lookup<T, R>(
        call: impl Fn(*mut T, *mut libc::c_char, usize, *mut *mut T) -> libc::c_int,
        read: impl Fn(&T) -> R,
    ) -> Option<R> {
        let mut size = BUF;
        for _ in 0..2 {
            let mut buf = vec![0u8; size];
            let mut entry = MaybeUninit::<T>::uninit();
            let mut result: *mut T = std::ptr::null_mut();
            let rc = call(
                entry.as_mut_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            );
            if rc == libc::ERANGE {
                size *= 16;
                continue;
            }
            if rc != 0 || result.is_null() {
                return None;
            }
            // SAFETY: on success the function initialised `entry` and pointed `result` at it;
            // its strings live in `buf`, which outlives this borrow.
            return Some(read(unsafe { &*result }));
        }
        None
    }

    /// A NUL-terminated C string owned by a passwd or group entry.
    fn text(p: *const libc::c_char) -> String {
        // SAFETY: the get*_r functions set these fields to NUL-terminated strings in their buffer.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }

    pub(super) fn user_name(uid: u32) -> Option<String> {
        // SAFETY (each call below): the pointers come from `lookup`, which passes live, writable
        // memory of the stated sizes; the functions write only within them.
        lookup(
            |e, b, n, r| unsafe { libc::getpwuid_r(uid as libc::uid_t, e, b, n, r) },
            |p: &libc::passwd| text(p.pw_name),
        )
    }

    pub(super) fn group_name(gid: u32) -> Option<String> {
        lookup(
            |e, b, n, r| unsafe { libc::getgrgid_r(gid as libc::gid_t, e, b, n, r) },
            |g: &libc::group| text(g.gr_name),
        )
    }

    pub(super) fn user_id(name: &str) -> Option<u32> {
        let name = CString::new(name).ok()?;
        lookup(
            |e, b, n, r| unsafe { libc::getpwnam_r(name.as_ptr(), e, b, n, r) },
            |p: &libc::passwd| p.pw_uid,
        )
    }

    pub(super) fn group_id(name: &str) -> Option<u32> {
        let name = CString::new(name).ok()?;
        lookup(
            |e, b, n, r| unsafe { libc::getgrnam_r(name.as_ptr(), e, b, n, r) },
            |g: &libc::group| g.gr_gid,
        )
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
