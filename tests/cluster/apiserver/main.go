// Command planton-test-apiserver runs an embedded etcd and kube-apiserver on
// 127.0.0.1 for the planton tests (the envtest approach: Kubernetes and etcd
// are imported as Go modules at pinned versions, nothing of theirs is
// committed). It is started by tests/cluster/up, which owns the state
// directory and its lock; see "Judged by a real API server" in the README.
//
// Usage: planton-test-apiserver -state DIR [-exit-when-unused]
//
// In DIR it writes pki/ (a CA, the serving certificate for 127.0.0.1 and
// localhost, the service-account key pair), tokens.csv (one random static
// token in group system:masters), etcd/ (the data directory, removed at exit),
// then, once /readyz answers, kubeconfig and the marker file ready. With
// -exit-when-unused it shuts down when every process registered as a holder
// (a file DIR/holders/PID) has exited.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
	_ "time/tzdata" // CronJob time zones, as in the upstream kube-apiserver binary

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

const loopback = "127.0.0.1"

func main() {
	state := flag.String("state", "", "state directory (required)")
	exitWhenUnused := flag.Bool("exit-when-unused", false, "exit once every holder process has exited")
	flag.Parse()
	if *state == "" {
		fail(errors.New("-state is required"))
	}
	if err := run(*state, *exitWhenUnused); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "planton-test-apiserver: error: %v\n", err)
	os.Exit(1)
}

func run(state string, exitWhenUnused bool) error {
	state, err := filepath.Abs(state)
	if err != nil {
		return err
	}
	pki := filepath.Join(state, "pki")
	etcdDir := filepath.Join(state, "etcd")
	for _, stale := range []string{filepath.Join(state, "ready"), filepath.Join(state, "kubeconfig"), etcdDir, pki} {
		if err := os.RemoveAll(stale); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(pki, 0o700); err != nil {
		return err
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdClient, etcdPeer, apiPort := ports[0], ports[1], ports[2]
	caPEM, err := writePKI(pki)
	if err != nil {
		return fmt.Errorf("generating certificates: %w", err)
	}
	token, err := randomHex(32)
	if err != nil {
		return err
	}
	tokens := filepath.Join(state, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(token+",planton-admin,planton-admin,system:masters\n"), 0o600); err != nil {
		return err
	}

	etcd, err := startEtcd(etcdDir, etcdClient, etcdPeer)
	if err != nil {
		return fmt.Errorf("starting etcd: %w", err)
	}
	defer func() {
		etcd.Close()
		_ = os.RemoveAll(etcdDir)
	}()

	server := "https://" + net.JoinHostPort(loopback, strconv.Itoa(apiPort))
	cmd := app.NewAPIServerCommand()
	cmd.SetArgs([]string{
		"--bind-address=" + loopback,
		"--advertise-address=" + loopback,
		"--secure-port=" + strconv.Itoa(apiPort),
		"--tls-cert-file=" + filepath.Join(pki, "apiserver.crt"),
		"--tls-private-key-file=" + filepath.Join(pki, "apiserver.key"),
		"--client-ca-file=" + filepath.Join(pki, "ca.crt"),
		"--token-auth-file=" + tokens,
		"--authorization-mode=RBAC",
		"--service-account-issuer=" + server,
		"--service-account-key-file=" + filepath.Join(pki, "sa.pub"),
		"--service-account-signing-key-file=" + filepath.Join(pki, "sa.key"),
		"--service-cluster-ip-range=10.0.0.0/24",
		"--etcd-servers=http://" + net.JoinHostPort(loopback, strconv.Itoa(etcdClient)),
		"--endpoint-reconciler-type=none",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--allow-privileged=true",
	})
	done := make(chan int, 1)
	go func() { done <- cli.Run(cmd) }()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := waitReady(ctx, server, token, caPEM, done); err != nil {
		return err
	}
	if err := writeKubeconfig(state, server, token, caPEM); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(state, "ready"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "planton-test-apiserver: ready at %s (etcd 127.0.0.1:%d)\n", server, etcdClient)

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case code := <-done:
			_ = os.Remove(filepath.Join(state, "ready"))
			if code != 0 {
				return fmt.Errorf("kube-apiserver exited with status %d", code)
			}
			return nil
		case <-tick.C:
			if exitWhenUnused && unused(state) {
				fmt.Fprintln(os.Stderr, "planton-test-apiserver: every holder has exited, shutting down")
				// The command's signal context stops the server gracefully.
				_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
				exitWhenUnused = false
			}
		}
	}
}

// unused reports whether no live holder remains, deciding under the state
// lock (taken without waiting) so that tests/cluster/up cannot register a new
// holder in between; on shutdown the ready marker goes first.
func unused(state string) bool {
	lock, err := os.OpenFile(filepath.Join(state, "lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return false
	}
	defer lock.Close()
	if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return false
	}
	dir := filepath.Join(state, "holders")
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false
	}
	live := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err == nil && pid > 0 && syscall.Kill(pid, 0) != syscall.ESRCH {
			live++
			continue
		}
		_ = os.Remove(filepath.Join(dir, e.Name()))
	}
	if live > 0 {
		return false
	}
	_ = os.Remove(filepath.Join(state, "ready"))
	return true
}

func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(loopback, "0"))
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func startEtcd(dir string, clientPort, peerPort int) (*embed.Etcd, error) {
	cfg := embed.NewConfig()
	cfg.Name = "planton-test"
	cfg.Dir = dir
	cfg.LogLevel = "error"
	cfg.UnsafeNoFsync = true
	client := url.URL{Scheme: "http", Host: net.JoinHostPort(loopback, strconv.Itoa(clientPort))}
	peer := url.URL{Scheme: "http", Host: net.JoinHostPort(loopback, strconv.Itoa(peerPort))}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, nil
	case err := <-e.Err():
		e.Close()
		return nil, err
	case <-time.After(time.Minute):
		e.Close()
		return nil, errors.New("etcd not ready after 1 minute")
	}
}

func waitReady(ctx context.Context, server, token string, caPEM []byte, done <-chan int) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
	last := "no answer yet"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, server+"/readyz", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err := client.Do(req); err != nil {
			last = err.Error()
		} else {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		}
		select {
		case code := <-done:
			return fmt.Errorf("kube-apiserver exited with status %d before it was ready", code)
		case <-ctx.Done():
			return fmt.Errorf("kube-apiserver not ready in time (last /readyz: %s)", last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func writePKI(dir string) ([]byte, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "planton-test-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP(loopback)},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	files := map[string][]byte{"ca.crt": caPEM, "apiserver.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvDER})}
	for name, key := range map[string]*ecdsa.PrivateKey{"apiserver.key": srvKey, "sa.key": saKey} {
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, err
		}
		files[name] = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	files["sa.pub"] = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, err
		}
	}
	return caPEM, nil
}

func writeKubeconfig(state, server, token string, caPEM []byte) error {
	config := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: planton-test
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: planton-admin
  user:
    token: %s
contexts:
- name: planton-test
  context:
    cluster: planton-test
    user: planton-admin
current-context: planton-test
`, server, base64.StdEncoding.EncodeToString(caPEM), token)
	tmp := filepath.Join(state, "kubeconfig.tmp")
	if err := os.WriteFile(tmp, []byte(config), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(state, "kubeconfig"))
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
