//! Where records come from (defined in `knox_read::source`).

pub use knox_read::source::*;
