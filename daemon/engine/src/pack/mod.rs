//! Sound packs: the `pack.toml` manifest (schema, parser, validation) and the library of loaded
//! packs. Layer kinds' parameter tables live with their generators under `layers/`.

pub mod library;
pub mod manifest;

pub use library::PackLibrary;
pub use manifest::*;
