//! BSD ioctl request numbers, computed as `<sys/ioccom.h>` does, and those of auditpipe(4).

/// No parameters.
pub const IOC_VOID: u32 = 0x2000_0000;
/// Copy parameters out (the kernel writes).
pub const IOC_OUT: u32 = 0x4000_0000;
/// Copy parameters in (the kernel reads).
pub const IOC_IN: u32 = 0x8000_0000;
/// Parameter length mask (13 bits).
pub const IOCPARM_MASK: u32 = 0x1fff;

/// `_IOC(inout, group, num, len)`.
pub const fn ioc(inout: u32, group: u8, num: u8, len: usize) -> u32 {
    inout | ((len as u32 & IOCPARM_MASK) << 16) | ((group as u32) << 8) | num as u32
}

/// `_IO(g, n)`.
pub const fn io(group: u8, num: u8) -> u32 {
    ioc(IOC_VOID, group, num, 0)
}

/// `_IOR(g, n, t)`: the kernel writes a `t`.
pub const fn ior<T>(group: u8, num: u8) -> u32 {
    ioc(IOC_OUT, group, num, std::mem::size_of::<T>())
}

/// `_IOW(g, n, t)`: the kernel reads a `t`.
pub const fn iow<T>(group: u8, num: u8) -> u32 {
    ioc(IOC_IN, group, num, std::mem::size_of::<T>())
}

/// The auditpipe(4) ioctls.
pub mod auditpipe {
    use super::{io, ior, iow};
    use crate::structs::{AuMask, AuditpipeIoctlPreselect};

    const G: u8 = b'A';

    pub const GET_QLEN: u32 = ior::<u32>(G, 1);
    pub const GET_QLIMIT: u32 = ior::<u32>(G, 2);
    pub const SET_QLIMIT: u32 = iow::<u32>(G, 3);
    pub const GET_QLIMIT_MIN: u32 = ior::<u32>(G, 4);
    pub const GET_QLIMIT_MAX: u32 = ior::<u32>(G, 5);
    pub const GET_PRESELECT_FLAGS: u32 = ior::<AuMask>(G, 6);
    pub const SET_PRESELECT_FLAGS: u32 = iow::<AuMask>(G, 7);
    pub const GET_PRESELECT_NAFLAGS: u32 = ior::<AuMask>(G, 8);
    pub const SET_PRESELECT_NAFLAGS: u32 = iow::<AuMask>(G, 9);
    pub const GET_PRESELECT_AUID: u32 = ior::<AuditpipeIoctlPreselect>(G, 10);
    pub const SET_PRESELECT_AUID: u32 = iow::<AuditpipeIoctlPreselect>(G, 11);
    pub const DELETE_PRESELECT_AUID: u32 = iow::<u32>(G, 12);
    pub const FLUSH_PRESELECT_AUID: u32 = io(G, 13);
    pub const GET_PRESELECT_MODE: u32 = ior::<i32>(G, 14);
    pub const SET_PRESELECT_MODE: u32 = iow::<i32>(G, 15);
    pub const FLUSH: u32 = io(G, 16);
    pub const GET_MAXAUDITDATA: u32 = ior::<u32>(G, 17);
    pub const GET_INSERTS: u32 = ior::<u64>(G, 100);
    pub const GET_READS: u32 = ior::<u64>(G, 101);
    pub const GET_DROPS: u32 = ior::<u64>(G, 102);
    pub const GET_TRUNCATES: u32 = ior::<u64>(G, 103);

    /// Preselection modes.
    pub const PRESELECT_MODE_TRAIL: i32 = 1;
    pub const PRESELECT_MODE_LOCAL: i32 = 2;
}

#[cfg(test)]
mod tests {
    use super::auditpipe::*;

    /// The values the system headers give (computed from `<sys/ioccom.h>`; LIVE.md lists them).
    #[test]
    fn auditpipe_requests_match_the_headers() {
        for (got, want) in [
            (GET_QLEN, 0x4004_4101u32),
            (GET_QLIMIT, 0x4004_4102),
            (SET_QLIMIT, 0x8004_4103),
            (GET_QLIMIT_MIN, 0x4004_4104),
            (GET_QLIMIT_MAX, 0x4004_4105),
            (GET_PRESELECT_FLAGS, 0x4008_4106),
            (SET_PRESELECT_FLAGS, 0x8008_4107),
            (GET_PRESELECT_NAFLAGS, 0x4008_4108),
            (SET_PRESELECT_NAFLAGS, 0x8008_4109),
            (GET_PRESELECT_AUID, 0x400c_410a),
            (SET_PRESELECT_AUID, 0x800c_410b),
            (DELETE_PRESELECT_AUID, 0x8004_410c),
            (FLUSH_PRESELECT_AUID, 0x2000_410d),
            (GET_PRESELECT_MODE, 0x4004_410e),
            (SET_PRESELECT_MODE, 0x8004_410f),
            (FLUSH, 0x2000_4110),
            (GET_MAXAUDITDATA, 0x4004_4111),
            (GET_INSERTS, 0x4008_4164),
            (GET_READS, 0x4008_4165),
            (GET_DROPS, 0x4008_4166),
            (GET_TRUNCATES, 0x4008_4167),
        ] {
            assert_eq!(got, want, "{got:#x} != {want:#x}");
        }
    }
}
