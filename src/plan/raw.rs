//! The shapes tfreach reads from the JSON, borrowed from the input; anything not named here
//! is skipped without being parsed.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::Actions;
use super::values::CowStr;

/// `variables` is an object of `{"value": …}`.
#[derive(Deserialize)]
pub(super) struct RawVariable<'a> {
    #[serde(borrow, default)]
    pub value: Option<&'a RawValue>,
}

#[derive(Deserialize)]
pub(super) struct RawResourceChange<'a> {
    #[serde(borrow)]
    pub address: Cow<'a, str>,
    /// `type` and `name`, which the address repeats.
    #[serde(borrow, default, rename = "type")]
    pub type_: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub name: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub deposed: Option<CowStr<'a>>,
    #[serde(borrow)]
    pub change: RawChange<'a>,
}

#[derive(Deserialize)]
pub(super) struct RawChange<'a> {
    #[serde(default)]
    pub actions: Actions,
    #[serde(borrow, default)]
    pub before: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub after: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub after_unknown: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub before_sensitive: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub after_sensitive: Option<&'a RawValue>,
}

/// An entry of `output_changes`.
#[derive(Deserialize)]
pub(super) struct RawOutputChange<'a> {
    #[serde(borrow, default)]
    pub before: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub after: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub before_sensitive: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub after_sensitive: Option<&'a RawValue>,
}

/// An output in a state's (or `prior_state`'s) `values`.
#[derive(Deserialize)]
pub(super) struct RawStateOutput<'a> {
    #[serde(default)]
    pub sensitive: bool,
    #[serde(borrow, default)]
    pub value: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
pub(super) struct RawStateValues<'a> {
    #[serde(borrow, default)]
    pub root_module: Option<RawStateModule<'a>>,
    #[serde(borrow, default)]
    pub outputs: Option<BTreeMap<CowStr<'a>, RawStateOutput<'a>>>,
}

#[derive(Deserialize)]
pub(super) struct RawStateWrapper<'a> {
    #[serde(borrow, default)]
    pub values: Option<RawStateValues<'a>>,
}

#[derive(Deserialize)]
pub(super) struct RawStateModule<'a> {
    #[serde(borrow, default)]
    pub resources: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    pub child_modules: Vec<RawStateModule<'a>>,
}

#[derive(Deserialize)]
pub(super) struct RawStateResource<'a> {
    #[serde(borrow)]
    pub address: Cow<'a, str>,
    #[serde(borrow, default, rename = "type")]
    pub type_: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub name: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    pub values: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub sensitive_values: Option<&'a RawValue>,
}
