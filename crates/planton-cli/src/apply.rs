//! `apply` and `delete`: the rendered objects sent to a cluster with kube-rs,
//! by server-side apply (field manager `planton`), in apply order.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use kube::client::Body;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::Request;
use kube::core::params::{DeleteParams, GetParams, Patch, PatchParams, PropagationPolicy};
use serde_json::Value;

use crate::app::Failure;

/// The field manager of every apply.
pub(crate) const FIELD_MANAGER: &str = "planton";

/// How to reach the cluster and what to do there.
#[derive(Debug, clap::Args)]
pub(crate) struct Target {
    /// The kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, as
    /// kubectl finds it).
    #[arg(long, value_name = "FILE")]
    pub(crate) kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use (default: its current context).
    #[arg(long, value_name = "NAME")]
    pub(crate) context: Option<String>,
    /// 'server': the server checks everything but stores nothing.
    #[arg(long, value_name = "MODE", value_parser = ["server"])]
    pub(crate) dry_run: Option<String>,
}

/// What `apply` and `delete` act on: the rendered objects of every manifest
/// in apply order, their stack outputs, and the orchestrator's credentials
/// from a stack input.
#[derive(Debug, Default)]
pub(crate) struct Rollout {
    /// The objects, in apply order.
    pub(crate) objects: Vec<Value>,
    /// Each manifest's stack outputs, as `planton outputs` prints them.
    pub(crate) outputs: Vec<String>,
    /// The stack input's provider credentials, if any.
    pub(crate) orchestrator: Option<Orchestrator>,
}

/// What `apply` does beyond applying.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ApplyOptions {
    /// Delete and create again a Job whose pod template changed.
    pub(crate) replace: bool,
    /// Wait this long for the Job to complete or fail.
    pub(crate) wait: Option<Duration>,
}

/// The credentials an orchestrator handed over in a stack input's
/// `providerConfig`, used when no `--kubeconfig` is given.
pub(crate) enum Orchestrator {
    /// A whole kubeconfig document (the DigitalOcean variant's `kubeConfig`).
    /// A credential: never printed.
    Kubeconfig(String),
    /// A variant planton cannot connect with by itself: why, for the error.
    Unsupported(&'static str),
}

impl std::fmt::Debug for Orchestrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Orchestrator::Kubeconfig(_) => f.write_str("Kubeconfig(<redacted>)"),
            Orchestrator::Unsupported(why) => write!(f, "Unsupported({why:?})"),
        }
    }
}

impl Orchestrator {
    /// The credentials of a stack input's provider config, if it has any.
    pub(crate) fn from_provider_config(
        config: Option<
            &planton_api::org::project_planton::provider::kubernetes::KubernetesProviderConfig,
        >,
    ) -> Option<Orchestrator> {
        use planton_api::org::project_planton::provider::kubernetes::KubernetesProvider as P;
        let config = config?;
        Some(match config.provider() {
            P::DigitalOceanDoks => Orchestrator::Kubeconfig(
                config
                    .digital_ocean_doks
                    .as_ref()
                    .map(|d| d.kube_config.clone())
                    .unwrap_or_default(),
            ),
            P::GcpGke => Orchestrator::Unsupported(
                "is for GKE, whose service-account key needs a Google login (a token exchange with Google) that planton does not perform",
            ),
            P::AwsEks => {
                Orchestrator::Unsupported("is for EKS, for which it defines no credentials")
            }
            P::AzureAks => {
                Orchestrator::Unsupported("is for AKS, for which it defines no credentials")
            }
            P::Unspecified => return None,
        })
    }
}

/// A client for the cluster the target names: `--kubeconfig`, else the
/// orchestrator's credentials from the stack input, else the kubeconfig
/// kubectl would find.
async fn client(
    target: &Target,
    orchestrator: Option<&Orchestrator>,
) -> anyhow::Result<kube::Client> {
    let options = KubeConfigOptions {
        context: target.context.clone(),
        ..KubeConfigOptions::default()
    };
    let config = match (&target.kubeconfig, orchestrator) {
        (Some(path), _) => {
            let kubeconfig = Kubeconfig::read_from(path)
                .with_context(|| format!("cannot read the kubeconfig '{}'", path.display()))?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &options).await
        }
        (None, Some(Orchestrator::Kubeconfig(text))) => {
            // A credential: the parser's and kube's messages could quote
            // it, so they are not shown.
            let what = "the stack input's providerConfig.digitalOceanDoks.kubeConfig";
            let kubeconfig = Kubeconfig::from_yaml(text)
                .map_err(|_| anyhow!("{what} is not a kubeconfig document"))?;
            let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|_| {
                    anyhow!("{what} cannot be used (no such context, or no cluster or user for it)")
                })?;
            return kube::Client::try_from(config)
                .map_err(|_| anyhow!("{what} cannot be used to build a client"));
        }
        (None, Some(Orchestrator::Unsupported(why))) => {
            return Err(anyhow!(
                "the stack input's providerConfig {why}: pass --kubeconfig"
            ));
        }
        (None, None) => kube::Config::from_kubeconfig(&options).await,
    }
    .context("cannot use the kubeconfig")?;
    kube::Client::try_from(config).context("cannot build a Kubernetes client")
}

/// A single-threaded runtime for one command.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// `kind.group/name`, as kubectl names objects.
fn display_name(object: &Value) -> String {
    let kind = object["kind"].as_str().unwrap_or_default().to_lowercase();
    let group = object["apiVersion"]
        .as_str()
        .and_then(|v| v.split_once('/'))
        .map_or(String::new(), |(g, _)| format!(".{g}"));
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    format!("{kind}{group}/{name}")
}

/// The REST path of the collection holding `object` (the kinds we render).
fn collection(object: &Value) -> anyhow::Result<String> {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    let plural = match kind {
        "Namespace" => "namespaces",
        "Secret" => "secrets",
        "ConfigMap" => "configmaps",
        "Job" => "jobs",
        other => return Err(anyhow!("cannot apply kind '{other}'")),
    };
    let base = if api_version.contains('/') {
        format!("/apis/{api_version}")
    } else {
        format!("/api/{api_version}")
    };
    Ok(match object["metadata"]["namespace"].as_str() {
        Some(ns) if kind != "Namespace" => format!("{base}/namespaces/{ns}/{plural}"),
        _ => format!("{base}/{plural}"),
    })
}

/// The server's answer: the status and the body.
async fn send(
    client: &kube::Client,
    request: http::Request<Vec<u8>>,
) -> anyhow::Result<(u16, Value)> {
    let response = client
        .send(request.map(Body::from))
        .await
        .context("cannot reach the Kubernetes API server")?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect_bytes()
        .await
        .context("cannot read the server's answer")?;
    Ok((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
}

/// The object as it is on the server, if it exists.
async fn get(client: &kube::Client, object: &Value) -> anyhow::Result<Option<Value>> {
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let request = Request::new(collection(object)?).get(name, &GetParams::default())?;
    match send(client, request).await? {
        (200, body) => Ok(Some(body)),
        (404, _) => Ok(None),
        (status, body) => Err(anyhow!(
            "{}: {}",
            display_name(object),
            bounded(&message(status, &body))
        )),
    }
}

/// The server's message.
fn message(status: u16, body: &Value) -> String {
    body["message"]
        .as_str()
        .map_or_else(|| format!("the server answered {status}"), str::to_owned)
}

/// `text` cut to at most [`MESSAGE_MAX`] characters, for printing.
fn bounded(text: &str) -> String {
    match text.char_indices().nth(MESSAGE_MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The longest server message printed.
const MESSAGE_MAX: usize = 1000;

/// The object without the fields the server changes on every write.
fn comparable(mut object: Value) -> Value {
    if let Some(meta) = object["metadata"].as_object_mut() {
        for field in ["managedFields", "resourceVersion", "generation"] {
            meta.remove(field);
        }
    }
    object
}

/// Applies `object`; the word kubectl would print for it.
async fn apply_one(
    client: &kube::Client,
    object: &Value,
    dry_run: bool,
) -> anyhow::Result<Result<&'static str, (u16, String)>> {
    let before = get(client, object).await?;
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let mut params = PatchParams::apply(FIELD_MANAGER).force();
    params.dry_run = dry_run;
    let request = Request::new(collection(object)?).patch(name, &params, &Patch::Apply(object))?;
    let (status, after) = send(client, request).await?;
    if !(200..300).contains(&status) {
        return Ok(Err((status, message(status, &after))));
    }
    Ok(Ok(match before.map(comparable) {
        None => "created",
        Some(before) if before == comparable(after) => "unchanged",
        Some(_) => "configured",
    }))
}

/// Deletes `object` (dependents in the background); whether it existed.
async fn delete_one(client: &kube::Client, object: &Value, dry_run: bool) -> anyhow::Result<bool> {
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let params = DeleteParams {
        dry_run,
        propagation_policy: Some(PropagationPolicy::Background),
        ..DeleteParams::default()
    };
    let request = Request::new(collection(object)?).delete(name, &params)?;
    match send(client, request).await? {
        (200 | 202, _) => Ok(true),
        (404, _) => Ok(false),
        (status, body) => Err(anyhow!(
            "{}: {}",
            display_name(object),
            bounded(&message(status, &body))
        )),
    }
}

/// Applies the objects in order, printing a line per object; waits for the
/// Job if asked. Refusals are reported and make the command fail.
pub(crate) fn apply(
    target: &Target,
    rollout: &Rollout,
    options: ApplyOptions,
) -> Result<(), Failure> {
    let objects = &rollout.objects;
    let dry_run = target.dry_run.is_some();
    let suffix = if dry_run { " (server dry run)" } else { "" };
    runtime()?.block_on(async {
        let client = client(target, rollout.orchestrator.as_ref()).await?;
        let mut refused = false;
        // Under a dry run, namespaces this apply would create do not exist:
        // the objects in them cannot be checked.
        let mut unborn: Vec<&str> = Vec::new();
        for object in objects {
            let shown = display_name(object);
            if let Some(ns) = object["metadata"]["namespace"].as_str()
                && unborn.contains(&ns)
            {
                println!("{shown} created{suffix} (not checked: its namespace '{ns}' does not exist yet)");
                continue;
            }
            let outcome = apply_one(&client, object, dry_run).await?;
            if dry_run && object["kind"] == "Namespace" && outcome == Ok("created") {
                unborn.extend(object["metadata"]["name"].as_str());
            }
            match outcome {
                Ok(word) => println!("{shown} {word}{suffix}"),
                Err((422, msg)) if object["kind"] == "Job" && msg.contains("field is immutable") => {
                    if !options.replace {
                        eprintln!(
                            "error: {shown}: the Job exists with another pod template, which Kubernetes does not let change (spec.template: field is immutable); delete it first, or run again with --replace to delete and create it"
                        );
                        refused = true;
                        continue;
                    }
                    delete_one(&client, object, dry_run).await?;
                    if !dry_run {
                        wait_gone(&client, object).await?;
                        match apply_one(&client, object, false).await? {
                            Ok(_) => {}
                            Err((_, msg)) => {
                                eprintln!("error: {shown}: {}", bounded(&msg));
                                refused = true;
                                continue;
                            }
                        }
                    }
                    println!("{shown} replaced{suffix}");
                }
                Err((_, msg)) => {
                    eprintln!("error: {shown}: {}", bounded(&msg));
                    refused = true;
                }
            }
        }
        if refused {
            return Err(Failure::Invalid);
        }
        if let (Some(timeout), false) = (options.wait, dry_run)
            && let Some(job) = objects.iter().find(|o| o["kind"] == "Job")
        {
            wait_for(&client, job, timeout).await?;
        }
        if !dry_run {
            // The stack outputs, as `planton outputs` prints them: a JSON
            // document per manifest, after the object lines.
            for outputs in &rollout.outputs {
                print!("{outputs}");
                if !outputs.ends_with('\n') {
                    println!();
                }
            }
        }
        Ok(())
    })
}

/// Waits (at most a minute) until `object` is gone.
async fn wait_gone(client: &kube::Client, object: &Value) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(client, object).await?.is_some() {
        if Instant::now() > deadline {
            return Err(anyhow!(
                "{}: still being deleted after 60 s",
                display_name(object)
            ));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Ok(())
}

/// Waits until the Job has the condition Complete (success) or Failed.
async fn wait_for(client: &kube::Client, job: &Value, timeout: Duration) -> Result<(), Failure> {
    let shown = display_name(job);
    let deadline = Instant::now() + timeout;
    loop {
        let current = get(client, job)
            .await?
            .ok_or_else(|| anyhow!("{shown}: deleted while waiting"))?;
        let conditions = current["status"]["conditions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let holds = |kind: &str| {
            conditions
                .iter()
                .find(|c| c["type"] == kind && c["status"] == "True")
        };
        if holds("Complete").is_some() {
            println!("{shown} complete");
            return Ok(());
        }
        if let Some(failed) = holds("Failed") {
            eprintln!(
                "error: {shown} failed: {} {}",
                failed["reason"].as_str().unwrap_or_default(),
                failed["message"].as_str().unwrap_or_default()
            );
            return Err(Failure::Invalid);
        }
        if Instant::now() > deadline {
            eprintln!(
                "error: {shown}: neither complete nor failed after {} s",
                timeout.as_secs()
            );
            return Err(Failure::Invalid);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Deletes the objects in reverse apply order (the Job first), printing a
/// line per object.
pub(crate) fn delete(target: &Target, rollout: &Rollout) -> Result<(), Failure> {
    let objects = &rollout.objects;
    let dry_run = target.dry_run.is_some();
    let suffix = if dry_run { " (server dry run)" } else { "" };
    runtime()?.block_on(async {
        let client = client(target, rollout.orchestrator.as_ref()).await?;
        for object in objects.iter().rev() {
            let shown = display_name(object);
            if delete_one(&client, object, dry_run).await? {
                println!("{shown} deleted{suffix}");
            } else {
                println!("{shown} not found");
            }
        }
        Ok(())
    })
}
