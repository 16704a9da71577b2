//! The C structures of the audit interfaces, laid out as the kernels expect (macOS layouts; the
//! FreeBSD ones are the same for these, with a 32-bit `dev_t` in the terminal ids of the old
//! calls). Plain data, so that the logic around them is tested on any OS.

/// `au_mask_t`: classes preselected on success and on failure.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuMask {
    pub am_success: u32,
    pub am_failure: u32,
}

impl From<bsm_format::tables::AuMask> for AuMask {
    fn from(m: bsm_format::tables::AuMask) -> Self {
        AuMask {
            am_success: m.success,
            am_failure: m.failure,
        }
    }
}

/// `struct auditpipe_ioctl_preselect`: a per-auid mask.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditpipeIoctlPreselect {
    pub aip_auid: u32,
    pub aip_mask: AuMask,
}

/// `au_qctrl_t`: the kernel audit queue's controls.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuQctrl {
    pub aq_hiwater: i32,
    pub aq_lowater: i32,
    pub aq_bufsz: i32,
    pub aq_delay: i32,
    pub aq_minfree: i32,
}

/// `au_tid_t` (with the 32-bit `dev_t` of macOS).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuTid {
    pub port: u32,
    pub machine: u32,
}

/// `au_tid_addr_t`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuTidAddr {
    pub at_port: u32,
    pub at_type: u32,
    pub at_addr: [u32; 4],
}

/// `auditpinfo_t`: a process's audit information.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditPinfo {
    pub ap_pid: i32,
    pub ap_auid: u32,
    pub ap_mask: AuMask,
    pub ap_termid: AuTid,
    pub ap_asid: i32,
}

/// `auditpinfo_addr_t`: a process's audit information with a terminal address of either
/// family (A_GETPINFO_ADDR, for processes whose terminal is IPv6, which A_GETPINFO refuses).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditPinfoAddr {
    pub ap_pid: i32,
    pub ap_auid: u32,
    pub ap_mask: AuMask,
    pub ap_termid: AuTidAddr,
    pub ap_asid: i32,
    pub ap_flags: u64,
}

/// `au_tid_addr_t.at_type` values: the length of the address.
pub const AU_IPV4: u32 = 4;
pub const AU_IPV6: u32 = 16;

/// `au_evclass_map_t`: an event's classes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuEvclassMap {
    pub ec_number: u16,
    pub ec_class: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, offset_of, size_of};

    #[test]
    fn layouts_match_the_kernels() {
        assert_eq!(size_of::<AuMask>(), 8);
        assert_eq!(size_of::<AuditpipeIoctlPreselect>(), 12);
        assert_eq!(offset_of!(AuditpipeIoctlPreselect, aip_mask), 4);
        assert_eq!(size_of::<AuQctrl>(), 20);
        assert_eq!(size_of::<AuTid>(), 8);
        assert_eq!(size_of::<AuTidAddr>(), 24);
        assert_eq!(size_of::<AuditPinfo>(), 28);
        assert_eq!(offset_of!(AuditPinfo, ap_asid), 24);
        assert_eq!(size_of::<AuditPinfoAddr>(), 56);
        assert_eq!(offset_of!(AuditPinfoAddr, ap_termid), 16);
        assert_eq!(offset_of!(AuditPinfoAddr, ap_asid), 40);
        assert_eq!(offset_of!(AuditPinfoAddr, ap_flags), 48);
        assert_eq!(size_of::<AuEvclassMap>(), 8);
        assert_eq!(offset_of!(AuEvclassMap, ec_class), 4);
        assert_eq!(align_of::<AuEvclassMap>(), 4);
    }
}
