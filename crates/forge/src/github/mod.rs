//! The GitHub forge (placeholder, being written).
pub struct GitHubForge;
