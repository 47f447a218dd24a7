//! tfreach: will AWS Systems Manager Session Manager reach each EC2 instance a Terraform plan
//! creates — and if not, which hop blocks it?
//!
//! The pipeline runs one way: [`plan`] (parse the JSON, keep byte spans) → [`model`] (the
//! plan's resources, indexed, and how to read an attribute) → [`resolve`] (known values, then
//! configuration references, then candidate sets) → [`network`] (typed AWS objects and the
//! graph of every resolved link) → [`reach`] (paths and verdicts) → [`rules`] (one file per
//! rule) → [`engine`] (the owned result of one input) → [`report`] (one file per output
//! format) → [`cli`].

pub mod cli;
pub mod config;
pub mod engine;
pub mod model;
pub mod network;
pub mod output;
pub mod plan;
pub mod policy;
pub mod reach;
pub mod redact;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod source;
#[cfg(test)]
pub mod testkit;
pub mod tri;
