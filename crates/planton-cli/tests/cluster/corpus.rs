//! A generated corpus of manifests, one or more per rule and field, with
//! values on each side of every boundary. Each is validated by us and
//! rendered ignoring our Kubernetes rules, so the API server can judge it.

use serde_json::{Value, json};

/// One generated manifest.
pub struct Case {
    /// A short unique name: `field/what`.
    pub name: String,
    /// The manifest, in proto3 JSON form.
    pub manifest: Value,
}

/// The namespace most cases render into.
pub const NAMESPACE: &str = "corpus";

fn base() -> Value {
    json!({
        "apiVersion": "kubernetes.project-planton.org/v1",
        "kind": "KubernetesJob",
        "metadata": {"name": "corpus"},
        "spec": {
            "namespace": {"value": NAMESPACE},
            "image": {"repo": "busybox", "tag": "1.36"},
        }
    })
}

/// Merges `patch` into `target`: objects key by key, anything else replaces.
fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                merge(t.entry(k).or_insert(Value::Null), v);
            }
        }
        (t, p) => *t = p,
    }
}

struct Corpus(Vec<Case>);

impl Corpus {
    /// A case: the base manifest with `patch` merged in.
    fn add(&mut self, name: impl Into<String>, patch: Value) {
        let mut manifest = base();
        merge(&mut manifest, patch);
        let name = name.into();
        assert!(
            self.0.iter().all(|c| c.name != name),
            "duplicate case name {name}"
        );
        self.0.push(Case { name, manifest });
    }

    /// A case whose spec is the base spec with `patch` merged in.
    fn spec(&mut self, name: impl Into<String>, patch: Value) {
        self.add(name, json!({ "spec": patch }));
    }
}

fn rep(c: char, n: usize) -> String {
    std::iter::repeat_n(c, n).collect()
}

/// Every case, in a fixed order.
pub fn cases() -> Vec<Case> {
    let mut c = Corpus(Vec::new());
    c.add("base", json!({}));

    // metadata.name: a DNS-1123 label; derived Secret names within 253.
    for (what, name) in [
        ("one-char", "a".to_owned()),
        ("63-chars", rep('a', 63)),
        ("64-chars", rep('a', 64)),
        ("236-chars", rep('a', 236)),
        ("dash-inside", "a-b".into()),
        ("leading-dash", "-ab".into()),
        ("trailing-dash", "ab-".into()),
        ("uppercase", "Ab".into()),
        ("dot", "a.b".into()),
        ("underscore", "a_b".into()),
        ("leading-digit", "1a".into()),
        ("digits-only", "123".into()),
        ("space", "a b".into()),
    ] {
        c.add(
            format!("metadata.name/{what}"),
            json!({"metadata": {"name": name}}),
        );
    }
    c.add(
        "metadata.name/dot-indexed",
        json!({"metadata": {"name": "a.b"}, "spec": {"completionMode": "Indexed", "completions": 2}}),
    );
    // metadata id/org/env: label values.
    for field in ["id", "org", "env"] {
        for (what, value) in [
            ("one-char", "x".to_owned()),
            ("63-chars", rep('x', 63)),
            ("64-chars", rep('x', 64)),
            ("leading-dash", "-x".into()),
            ("trailing-dash", "x-".into()),
            ("dot-inside", "x.y".into()),
            ("underscore-inside", "x_y".into()),
            ("uppercase", "Xy".into()),
            ("space", "x y".into()),
            ("slash", "x/y".into()),
            ("leading-dot", ".x".into()),
        ] {
            c.add(
                format!("metadata.{field}/{what}"),
                json!({"metadata": {field: value}}),
            );
        }
    }
    // metadata.labels: qualified-name keys, label values, on every object
    // and the pod template (so the Job controller's own keys collide).
    for (what, key) in [
        ("plain", "team".to_owned()),
        ("prefixed", "example.com/team".into()),
        ("uppercase-name", "Team_1.x".into()),
        ("63-char-name", rep('k', 63)),
        ("64-char-name", rep('k', 64)),
        ("253-char-prefix", format!("{}/k", rep('p', 253))),
        ("254-char-prefix", format!("{}/k", rep('p', 254))),
        ("uppercase-prefix", "Example.com/team".into()),
        ("empty-prefix", "/team".into()),
        ("empty-name", "example.com/".into()),
        ("two-slashes", "a/b/c".into()),
        ("leading-dash", "-team".into()),
        ("space", "a team".into()),
        ("kubernetes-io-prefix", "app.kubernetes.io/name".into()),
        ("planton-other", "planton.ai/team".into()),
        ("job-name", "job-name".into()),
        ("controller-uid", "controller-uid".into()),
        ("batch-job-name", "batch.kubernetes.io/job-name".into()),
        (
            "batch-controller-uid",
            "batch.kubernetes.io/controller-uid".into(),
        ),
        (
            "batch-completion-index",
            "batch.kubernetes.io/job-completion-index".into(),
        ),
    ] {
        c.add(
            format!("metadata.labels/key-{what}"),
            json!({"metadata": {"labels": {key: "v"}}}),
        );
    }
    for (what, value) in [
        ("empty", String::new()),
        ("63-chars", rep('v', 63)),
        ("64-chars", rep('v', 64)),
        ("dot-underscore", "v_1.x-y".into()),
        ("leading-dash", "-v".into()),
        ("slash", "v/w".into()),
        ("space", "v w".into()),
        ("planton-name-same", "corpus".into()),
        ("planton-name-other", "other".into()),
    ] {
        let key = if what.starts_with("planton") {
            "planton.ai/name"
        } else {
            "team"
        };
        c.add(
            format!("metadata.labels/value-{what}"),
            json!({"metadata": {"labels": {key: value}}}),
        );
    }
    c.add(
        "metadata.labels/with-namespace-and-objects",
        json!({
            "metadata": {"labels": {"team": "data"}, "annotations": {"example.com/owner": "me"}},
            "spec": {
                "namespace": {"value": "corpus-labelled"},
                "createNamespace": true,
                "configMaps": {"cm": "x"},
                "env": {"secrets": {"S": {"value": "s"}}},
            }
        }),
    );
    // metadata.annotations: qualified-name keys (lowercased first), a total size.
    for (what, key) in [
        ("plain", "note".to_owned()),
        ("uppercase-prefix", "Example.COM/Note".into()),
        ("253-char-prefix", format!("{}/k", rep('p', 253))),
        ("254-char-prefix", format!("{}/k", rep('p', 254))),
        ("64-char-name", rep('k', 64)),
        ("space", "a note".into()),
        ("two-slashes", "a/b/c".into()),
    ] {
        c.add(
            format!("metadata.annotations/key-{what}"),
            json!({"metadata": {"annotations": {key: "free text: any value"}}}),
        );
    }
    for (what, len) in [("total-256KiB", 256 * 1024), ("total-over", 256 * 1024 + 1)] {
        // key "a" + value: the total counts keys and values.
        c.add(
            format!("metadata.annotations/{what}"),
            json!({"metadata": {"annotations": {"a": rep('x', len - 1)}}}),
        );
    }
    // spec.namespace: a DNS-1123 label, created by us or existing.
    for (what, ns) in [
        ("one-char", "n".to_owned()),
        ("63-chars", rep('n', 63)),
        ("64-chars", rep('n', 64)),
        ("uppercase", "Ns".into()),
        ("dot", "n.s".into()),
        ("leading-dash", "-ns".into()),
        ("trailing-dash", "ns-".into()),
        ("underscore", "n_s".into()),
        ("leading-digit", "1ns".into()),
    ] {
        for create in [false, true] {
            c.spec(
                format!("spec.namespace/{what}/create-{create}"),
                json!({"namespace": {"value": ns}, "createNamespace": create}),
            );
        }
    }
    // spec.image.repo
    for (what, repo) in [
        ("library", "library/busybox"),
        ("registry-host", "ghcr.io/acme/tool"),
        ("registry-port", "localhost:5000/tool"),
        ("registry-host-port-path", "registry.example.com:8080/a/b/c"),
        ("uppercase-path", "Busybox"),
        ("uppercase-host", "GHCR.io/acme/tool"),
        ("space", "busy box"),
        ("double-slash", "a//b"),
        ("leading-dash", "-busybox"),
        ("trailing-dash", "busybox-"),
        ("double-dot", "busy..box"),
        ("double-underscore", "busy__box"),
        ("triple-underscore", "busy___box"),
        ("dash-run", "busy--box"),
        ("trailing-slash", "busybox/"),
        ("at-sign", "busy@box"),
        ("colon-in-path", "a/b:c/d"),
        ("tab", "busy\tbox"),
        ("leading-space", " busybox"),
    ] {
        c.spec(
            format!("spec.image.repo/{what}"),
            json!({"image": {"repo": repo}}),
        );
    }
    // spec.image.tag (or a digest)
    let digest = format!("sha256:{}", rep('a', 64));
    for (what, tag) in [
        ("latest", "latest".to_owned()),
        ("semver", "v1.2.3".into()),
        ("underscore", "v1_rc".into()),
        ("128-chars", rep('t', 128)),
        ("129-chars", rep('t', 129)),
        ("leading-dot", ".v1".into()),
        ("leading-dash", "-v1".into()),
        ("leading-underscore", "_v1".into()),
        ("colon", "a:b".into()),
        ("space", "a b".into()),
        ("slash", "a/b".into()),
        ("digest", digest.clone()),
        ("digest-short", "sha256:abc".into()),
        ("digest-uppercase", format!("sha256:{}", rep('A', 64))),
        ("digest-sha512", format!("sha512:{}", rep('b', 128))),
        ("plus", "v1+build".into()),
    ] {
        c.spec(
            format!("spec.image.tag/{what}"),
            json!({"image": {"tag": tag}}),
        );
    }
    // spec.image.pull_secret_name: a DNS-1123 subdomain.
    for (what, name) in [
        ("simple", "regcred".to_owned()),
        ("dotted", "reg.cred".into()),
        ("uppercase", "RegCred".into()),
        ("underscore", "reg_cred".into()),
        ("253-chars", rep('r', 253)),
        ("254-chars", rep('r', 254)),
        ("leading-dot", ".regcred".into()),
    ] {
        c.spec(
            format!("spec.image.pull_secret_name/{what}"),
            json!({"image": {"pullSecretName": name}}),
        );
    }
    // Resource quantities, each side of the grammar.
    for (what, q) in [
        ("integer", "2"),
        ("milli", "250m"),
        ("decimal", "0.5"),
        ("decimal-no-leading-digit", ".5"),
        ("decimal-trailing-dot", "1."),
        ("plus-sign", "+1"),
        ("zero", "0"),
        ("negative", "-1"),
        ("exponent", "1e3"),
        ("exponent-upper", "1E3"),
        ("exponent-negative", "1e-3"),
        ("exponent-incomplete", "1e"),
        ("binary-ki", "1Ki"),
        ("binary-ti", "2Ti"),
        ("binary-ei", "1Ei"),
        ("decimal-k", "1k"),
        ("decimal-upper-k", "1K"),
        ("decimal-g", "1G"),
        ("lowercase-gi", "1gi"),
        ("bytes-suffix", "1GB"),
        ("micro", "1u"),
        ("nano", "1n"),
        ("unit-only", "m"),
        ("space", "1 m"),
        ("huge", "9223372036854775807"),
        ("too-precise", "0.0000000001"),
        ("word", "lots"),
    ] {
        for (side, res) in [("limits", "cpu"), ("limits", "memory"), ("requests", "cpu")] {
            c.spec(
                format!("spec.resources.{side}.{res}/{what}"),
                json!({"resources": {side: {res: q}}}),
            );
        }
    }
    // Requests against limits.
    for (what, req, limit) in [
        ("below", "100m", "200m"),
        ("equal", "1", "1000m"),
        ("above", "1001m", "1"),
        ("above-by-suffix", "2k", "1500"),
    ] {
        c.spec(
            format!("spec.resources.requests-vs-limits/cpu-{what}"),
            json!({"resources": {"limits": {"cpu": limit}, "requests": {"cpu": req}}}),
        );
    }
    for (what, req, limit) in [
        ("below", "100Mi", "1Gi"),
        ("equal", "1Gi", "1024Mi"),
        ("above", "1025Mi", "1Gi"),
        ("above-decimal", "1.1G", "1Gi"),
    ] {
        c.spec(
            format!("spec.resources.requests-vs-limits/memory-{what}"),
            json!({"resources": {"limits": {"memory": limit}, "requests": {"memory": req}}}),
        );
    }
    c.spec(
        "spec.resources.requests-vs-limits/request-above-default-limit",
        json!({"resources": {"requests": {"cpu": "2"}}}),
    );
    c.spec(
        "spec.resources.memory/fractional-bytes",
        json!({"resources": {"requests": {"memory": "100m"}}}),
    );
    // Environment variable names, as variables and as secrets (a literal is
    // stored in the env Secret under the name; a reference is not).
    let long_name = rep('V', 1000);
    for (what, name) in [
        ("upper", "VAR"),
        ("lower", "var"),
        ("leading-underscore", "_VAR"),
        ("leading-digit", "1VAR"),
        ("digits-only", "123"),
        ("dot", "A.B"),
        ("dash", "A-B"),
        ("space", "A B"),
        ("equals", "A=B"),
        ("symbols", "~!@#$%^&*()"),
        ("colon", "A:B"),
        ("non-ascii", "VÄR"),
        ("tab", "A\tB"),
        ("long", long_name.as_str()),
        ("dollar-paren", "$(X)"),
    ] {
        c.spec(
            format!("spec.env.variables/name-{what}"),
            json!({"env": {"variables": {name: {"value": "x"}}}}),
        );
        c.spec(
            format!("spec.env.secrets/literal-name-{what}"),
            json!({"env": {"secrets": {name: {"value": "x"}}}}),
        );
        c.spec(
            format!("spec.env.secrets/ref-name-{what}"),
            json!({"env": {"secrets": {name: {"secretRef": {"name": "db", "key": "password"}}}}}),
        );
    }
    for (what, value) in [
        ("empty", "".to_owned()),
        ("expansion", "$(K8S_POD_ID)-x".into()),
        ("multiline", "a\nb\n".into()),
        ("long", rep('v', 100_000)),
    ] {
        c.spec(
            format!("spec.env.variables/value-{what}"),
            json!({"env": {"variables": {"VAR": {"value": value}}}}),
        );
        c.spec(
            format!("spec.env.secrets/value-{what}"),
            json!({"env": {"secrets": {"SECRET": {"value": value}}}}),
        );
    }
    c.spec(
        "spec.env.variables/no-value",
        json!({"env": {"variables": {"VAR": {}}}}),
    );
    c.spec(
        "spec.env.secrets/no-value",
        json!({"env": {"secrets": {"SECRET": {}}}}),
    );
    for reserved in ["HOSTNAME", "K8S_POD_ID"] {
        c.spec(
            format!("spec.env.variables/reserved-{reserved}"),
            json!({"env": {"variables": {reserved: {"value": "x"}}}}),
        );
        c.spec(
            format!("spec.env.secrets/reserved-{reserved}"),
            json!({"env": {"secrets": {reserved: {"value": "x"}}}}),
        );
    }
    c.spec(
        "spec.env/duplicate-variable-and-literal-secret",
        json!({"env": {"variables": {"DUP": {"value": "a"}}, "secrets": {"DUP": {"value": "b"}}}}),
    );
    c.spec(
        "spec.env/duplicate-variable-and-secret-ref",
        json!({"env": {"variables": {"DUP": {"value": "a"}}, "secrets": {"DUP": {"secretRef": {"name": "db", "key": "k"}}}}}),
    );
    // secretRef name, key and namespace.
    for (what, name) in [
        ("simple", "db".to_owned()),
        ("dotted", "db.creds".into()),
        ("uppercase", "Db".into()),
        ("underscore", "db_creds".into()),
        ("253-chars", rep('d', 253)),
        ("254-chars", rep('d', 254)),
    ] {
        c.spec(
            format!("spec.env.secrets.secret_ref.name/{what}"),
            json!({"env": {"secrets": {"S": {"secretRef": {"name": name, "key": "k"}}}}}),
        );
    }
    for (what, key) in [
        ("simple", "password".to_owned()),
        ("dotted", "tls.crt".into()),
        ("underscore", "pass_word".into()),
        ("dash", "pass-word".into()),
        ("leading-dot", ".hidden".into()),
        ("space", "pass word".into()),
        ("slash", "a/b".into()),
        ("dot", ".".into()),
        ("dot-dot", "..".into()),
        ("dot-dot-prefix", "..a".into()),
        ("253-chars", rep('k', 253)),
        ("254-chars", rep('k', 254)),
    ] {
        c.spec(
            format!("spec.env.secrets.secret_ref.key/{what}"),
            json!({"env": {"secrets": {"S": {"secretRef": {"name": "db", "key": key}}}}}),
        );
    }
    for (what, ns) in [("same", NAMESPACE), ("other", "elsewhere")] {
        c.spec(
            format!("spec.env.secrets.secret_ref.namespace/{what}"),
            json!({"env": {"secrets": {"S": {"secretRef": {"namespace": ns, "name": "db", "key": "k"}}}}}),
        );
    }
    // spec.config_maps: names (DNS-1123 subdomains) and contents.
    for (what, name) in [
        ("simple", "cfg".to_owned()),
        ("dotted", "app.cfg".into()),
        ("uppercase", "Cfg".into()),
        ("underscore", "app_cfg".into()),
        ("253-chars", rep('c', 253)),
        ("254-chars", rep('c', 254)),
        ("leading-dot", ".cfg".into()),
    ] {
        c.spec(
            format!("spec.config_maps/name-{what}"),
            json!({"configMaps": {name: "data"}}),
        );
    }
    for (what, content) in [
        ("empty", String::new()),
        ("1-MiB", rep('x', 1024 * 1024 - 8)),
        ("over-1-MiB", rep('x', 1024 * 1024 + 1)),
    ] {
        c.spec(
            format!("spec.config_maps/content-{what}"),
            json!({"configMaps": {"cfg": content}}),
        );
    }
    c.spec(
        "spec.env.secrets/literal-over-1-MiB",
        json!({"env": {"secrets": {"BIG": {"value": rep('s', 1024 * 1024 + 1)}}}}),
    );
    volume_cases(&mut c);
    job_cases(&mut c);
    c.0
}

fn mount(extra: Value) -> Value {
    let mut m = json!({"name": "vol", "mountPath": "/data", "emptyDir": {}});
    merge(&mut m, extra);
    m
}

fn volume_cases(c: &mut Corpus) {
    let one = |c: &mut Corpus, name: String, m: Value| {
        c.spec(name, json!({"volumeMounts": [m]}));
    };
    for (what, name) in [
        ("simple", "data".to_owned()),
        ("63-chars", rep('v', 63)),
        ("64-chars", rep('v', 64)),
        ("uppercase", "Data".into()),
        ("dotted", "da.ta".into()),
        ("leading-dash", "-data".into()),
        ("underscore", "da_ta".into()),
    ] {
        one(
            c,
            format!("spec.volume_mounts.name/{what}"),
            mount(json!({"name": name})),
        );
    }
    for (what, path) in [
        ("root", "/"),
        ("relative", "data"),
        ("dot-dot-inside", "/a/../b"),
        ("colon", "/a:b"),
        ("double-slash", "//a"),
        ("space", "/a b"),
        ("trailing-slash", "/data/"),
        ("dot-dot-name", "/a/..b"),
    ] {
        one(
            c,
            format!("spec.volume_mounts.mount_path/{what}"),
            mount(json!({"mountPath": path})),
        );
    }
    for (what, sub) in [
        ("simple", "a"),
        ("nested", "a/b"),
        ("absolute", "/a"),
        ("dot-dot", ".."),
        ("dot-dot-prefix", "../a"),
        ("dot-dot-inside", "a/../b"),
        ("dot-dot-suffix", "a/.."),
        ("dots-in-name", "a..b"),
        ("hidden", ".a"),
    ] {
        one(
            c,
            format!("spec.volume_mounts.sub_path/{what}"),
            mount(json!({"subPath": sub})),
        );
    }
    c.spec(
        "spec.volume_mounts/duplicate-name",
        json!({"volumeMounts": [mount(json!({})), mount(json!({"mountPath": "/other"}))]}),
    );
    c.spec(
        "spec.volume_mounts/duplicate-path",
        json!({"volumeMounts": [mount(json!({})), mount(json!({"name": "other"}))]}),
    );
    c.spec(
        "spec.volume_mounts/nested-paths",
        json!({"volumeMounts": [mount(json!({})), mount(json!({"name": "other", "mountPath": "/data/sub"}))]}),
    );
    // Sources: none, each one, two.
    c.spec(
        "spec.volume_mounts.source/none",
        json!({"volumeMounts": [{"name": "vol", "mountPath": "/data"}]}),
    );
    for (what, source) in [
        ("config-map", json!({"configMap": {"name": "cfg"}})),
        ("secret", json!({"secret": {"name": "sec"}})),
        ("host-path", json!({"hostPath": {"path": "/var/log"}})),
        ("empty-dir", json!({"emptyDir": {}})),
        ("pvc", json!({"pvc": {"claimName": "claim"}})),
    ] {
        let mut m = json!({"name": "vol", "mountPath": "/data"});
        merge(&mut m, source.clone());
        c.spec(
            format!("spec.volume_mounts.source/{what}"),
            json!({"volumeMounts": [m]}),
        );
    }
    c.spec(
        "spec.volume_mounts.source/two",
        json!({"volumeMounts": [{"name": "vol", "mountPath": "/data", "emptyDir": {}, "pvc": {"claimName": "c"}}]}),
    );
    // ConfigMap and Secret sources: name, key, path, mode.
    for (kind, field) in [("config_map", "configMap"), ("secret", "secret")] {
        let src = |extra: Value| {
            let mut s = json!({"name": "src"});
            merge(&mut s, extra);
            json!({"volumeMounts": [{"name": "vol", "mountPath": "/data", field: s}]})
        };
        for (what, name) in [
            ("dotted", "a.b".to_owned()),
            ("uppercase", "Ab".into()),
            ("underscore", "a_b".into()),
            ("253-chars", rep('s', 253)),
            ("254-chars", rep('s', 254)),
        ] {
            c.spec(
                format!("spec.volume_mounts.{kind}.name/{what}"),
                src(json!({"name": name})),
            );
        }
        for (what, key) in [
            ("simple", "app.conf"),
            ("space", "app conf"),
            ("slash", "a/b"),
            ("dot-dot", ".."),
            ("leading-dot", ".conf"),
        ] {
            c.spec(
                format!("spec.volume_mounts.{kind}.key/{what}"),
                src(json!({"key": key})),
            );
        }
        for (what, path) in [
            ("simple", "conf/app.conf"),
            ("absolute", "/app.conf"),
            ("dot-dot", "../app.conf"),
            ("dot-dot-inside", "a/../b"),
            ("dots-in-name", "a..conf"),
        ] {
            c.spec(
                format!("spec.volume_mounts.{kind}.path/{what}"),
                src(json!({"key": "k", "path": path})),
            );
        }
        for (what, mode) in [
            ("zero", 0),
            ("0644", 0o644),
            ("0777", 0o777),
            ("01000", 0o1000),
            ("negative", -1),
        ] {
            c.spec(
                format!("spec.volume_mounts.{kind}.default_mode/{what}"),
                src(json!({"defaultMode": mode})),
            );
        }
    }
    // A ConfigMap of spec.config_maps has the single key of its name.
    for (what, key) in [("own-name", "cfg"), ("other", "other")] {
        c.spec(
            format!("spec.volume_mounts.config_map.key/created-{what}"),
            json!({"configMaps": {"cfg": "x"}, "volumeMounts": [{"name": "vol", "mountPath": "/data", "configMap": {"name": "cfg", "key": key}}]}),
        );
    }
    for (what, path) in [
        ("absolute", "/var/log"),
        ("relative", "var/log"),
        ("dot-dot", "/var/../etc"),
        ("root", "/"),
    ] {
        c.spec(
            format!("spec.volume_mounts.host_path.path/{what}"),
            json!({"volumeMounts": [{"name": "vol", "mountPath": "/data", "hostPath": {"path": path}}]}),
        );
    }
    for ty in ["Directory", "DirectoryOrCreate", "File", "Socket"] {
        c.spec(
            format!("spec.volume_mounts.host_path.type/{ty}"),
            json!({"volumeMounts": [{"name": "vol", "mountPath": "/data", "hostPath": {"path": "/var/log", "type": ty}}]}),
        );
    }
    for (what, size) in [
        ("gi", "1Gi"),
        ("zero", "0"),
        ("negative", "-1Gi"),
        ("word", "big"),
        ("fractional-bytes", "100m"),
    ] {
        c.spec(
            format!("spec.volume_mounts.empty_dir.size_limit/{what}"),
            json!({"volumeMounts": [{"name": "vol", "mountPath": "/data", "emptyDir": {"sizeLimit": size}}]}),
        );
    }
    c.spec(
        "spec.volume_mounts.empty_dir.medium/Memory",
        json!({"volumeMounts": [{"name": "vol", "mountPath": "/data", "emptyDir": {"medium": "Memory"}}]}),
    );
    for (what, claim) in [
        ("dotted", "a.b".to_owned()),
        ("uppercase", "Claim".into()),
        ("253-chars", rep('p', 253)),
        ("254-chars", rep('p', 254)),
    ] {
        c.spec(
            format!("spec.volume_mounts.pvc.claim_name/{what}"),
            json!({"volumeMounts": [{"name": "vol", "mountPath": "/data", "pvc": {"claimName": claim, "readOnly": true}}]}),
        );
    }
}

fn job_cases(c: &mut Corpus) {
    let int32 = i64::from(i32::MAX);
    for field in [
        "parallelism",
        "completions",
        "backoffLimit",
        "ttlSecondsAfterFinished",
    ] {
        for (what, v) in [
            ("zero", 0),
            ("one", 1),
            ("int32-max", int32),
            ("int32-max-plus-1", int32 + 1),
        ] {
            c.spec(format!("spec.{field}/{what}"), json!({field: v}));
        }
    }
    for (what, v) in [
        ("zero", "0".to_owned()),
        ("one", "1".into()),
        ("int64-max", i64::MAX.to_string()),
        ("int64-max-plus-1", (i64::MAX as u64 + 1).to_string()),
    ] {
        c.spec(
            format!("spec.activeDeadlineSeconds/{what}"),
            json!({"activeDeadlineSeconds": v}),
        );
    }
    for (what, completions, parallelism) in [
        ("no-completions", None, None),
        ("one", Some(1), None),
        ("limit", Some(100_000), Some(100_000)),
        ("completions-over-limit", Some(100_001), None),
        ("parallelism-over-limit", Some(10), Some(100_001)),
        ("parallelism-above-completions", Some(2), Some(5)),
    ] {
        let mut spec = json!({"completionMode": "Indexed"});
        if let Some(n) = completions {
            spec["completions"] = json!(n);
        }
        if let Some(n) = parallelism {
            spec["parallelism"] = json!(n);
        }
        c.spec(format!("spec.completion_mode/indexed-{what}"), spec);
    }
    c.spec(
        "spec.completion_mode/non-indexed-over-limit",
        json!({"completionMode": "NonIndexed", "completions": 100_001, "parallelism": 100_001}),
    );
    for policy in ["Never", "OnFailure"] {
        c.spec(
            format!("spec.restart_policy/{policy}"),
            json!({"restartPolicy": policy}),
        );
    }
    c.spec("spec.suspend/true", json!({"suspend": true}));
    c.spec(
        "spec.command/empty-strings",
        json!({"command": [""], "args": [""]}),
    );
    c.spec(
        "spec.args/many",
        json!({"command": ["sh", "-c"], "args": (0..1000).map(|i| format!("arg{i}")).collect::<Vec<_>>()}),
    );
}
