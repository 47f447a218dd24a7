//! Rendering results for people and machines.

pub mod human;
pub mod json;
pub mod reach;
pub mod resolution;
