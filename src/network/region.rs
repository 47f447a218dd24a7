//! The region of every resource, from its provider configuration: the provider block it
//! uses (`provider_config_key`, aliases passed into modules included), its `region` as a
//! constant or a root variable, or — with provider 6 — the resource's own `region`.

use crate::model::Model;
use crate::model::Resource;

/// The region a resource is created in, when the plan tells.
pub fn region_of(model: &Model<'_>, r: &Resource<'_>) -> Option<String> {
    if let Some(region) = r.fields.after().str("region").filter(|s| !s.is_empty()) {
        return Some(region.into_owned());
    }
    let doc = model.doc;
    let key = r.config.and_then(|c| c.provider_config_key.as_deref()).unwrap_or("aws");
    let providers = &doc.configuration.provider_config;
    let pc = providers
        .get(key)
        .or_else(|| key.rsplit_once(':').and_then(|(_, root)| providers.get(root)))
        .or_else(|| providers.get("aws"))?;
    let expr = pc.expressions.expr("region")?;
    if let Some(s) = expr.constant::<String>() {
        return Some(s);
    }
    let in_root = pc.module_address.as_deref().is_none_or(str::is_empty);
    expr.references().iter().find_map(|reference| {
        let name = reference.strip_prefix("var.")?;
        if in_root { serde_json::from_str::<String>(doc.variable(name)?.get()).ok() } else { None }
    })
}
