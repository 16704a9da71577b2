//! Problems met while reading trails (defined in `knox_read::problem`).

pub use knox_read::problem::*;
