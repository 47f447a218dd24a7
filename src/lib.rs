//! tfreach: will AWS Systems Manager Session Manager reach each EC2 instance a Terraform plan
//! creates — and if not, which hop blocks it?
//!
//! The pipeline runs one way: [`plan`] (parse the JSON, keep byte spans) → [`model`] (typed
//! AWS resources) → [`resolve`] (known values, then configuration references, then candidate
//! sets) → [`graph`] (petgraph) → [`report`] → [`cli`].

pub mod analysis;
pub mod cli;
pub mod config;
pub mod graph;
pub mod model;
pub mod output;
pub mod plan;
pub mod policy;
pub mod reach;
pub mod redact;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod source;
