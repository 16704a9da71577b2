//! Big-endian writers used by the encoders.

#[inline]
pub(crate) fn u8(out: &mut Vec<u8>, v: u8) {
    out.push(v);
}
#[inline]
pub(crate) fn u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}
#[inline]
pub(crate) fn u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}
#[inline]
pub(crate) fn u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// A fixed layout, as it lies on the wire.
#[inline]
pub(crate) fn layout<T: crate::layout::Layout>(out: &mut Vec<u8>, l: &T) {
    out.extend_from_slice(l.as_bytes());
}

/// A u16 length then the bytes. Lengths over 65535 are cut to fit (as producers' 16-bit
/// arithmetic would wrap; cutting keeps the output decodable).
pub(crate) fn counted(out: &mut Vec<u8>, b: &[u8]) {
    let b = &b[..b.len().min(u16::MAX as usize)];
    u16(out, b.len() as u16);
    out.extend_from_slice(b);
}
