//! The one record loop of every reading tool (defined in `knox_read::pipeline`).

pub use knox_read::pipeline::*;
