import { credentialIn, credentialMessage, findCredentials } from "./credentials";

describe("credentialIn", () => {
    test.each([
        ["postgres://app:pw@db/app", "url"],
        ["postgresql://app:s3cr%40t@db:5432/app?sslmode=require", "url"],
        ["mysql://root:root@127.0.0.1:3306/shop", "url"],
        ["redis://:hunter2@cache:6379/0", "url"],
        ["amqp://guest:guest@mq:5672/", "url"],
        ["ssh://deploy:hunter2@h1", "url"],
        ["https://user:token@git.example.com/team/repo.git", "url"],
        ["jdbc:postgresql://db/app?user=app&password=pw", "pair"],
        ["Server=db;Database=app;User Id=sa;Password=Hunter2!", "pair"],
        ["host=db user=app password=pw dbname=app", "pair"],
        ["PGPASSWORD=pw", "pair"],
        ["--db-password=pw", "pair"],
        ["MYSQL_PWD=pw", "pair"],
        ["passwd = hunter2", "pair"],
        ["curl -fsS -u admin:hunter2 https://api.example.com/hook", "option"],
        ["curl --user 'admin:hunter2' https://api.example.com", "option"],
        ["curl -uadmin:hunter2 https://api.example.com", "option"],
        ["mysql -h db -u root -phunter2 shop < /m/001.sql", "option"],
        ["mysqldump -uroot -p'hunter2' shop", "option"],
        ["mariadb --user=app -phunter2 shop", "option"],
        ["mysql -u root --password=hunter2 shop", "pair"],
    ])("%s is a credential (%s)", (value, kind) => {
        expect(credentialIn(value)).toBe(kind);
    });

    test.each([
        "http://example.com/path",
        "https://example.com:8443/a/b?c=d",
        "ssh://deploy@h1",
        "ssh://deploy@h1:2222",
        "registry:5000/app",
        "registry.example.com:5000/team/app:1.2.3",
        "user@host",
        "mailto:ops@example.com",
        "https://example.com/@user",
        "http://host:8080/@x",
        "postgres://app:$DB_PASSWORD@db/app",
        "postgres://app:${DB_PASSWORD}@db/app",
        "postgres://app@db/app",
        "password=$DB_PASSWORD",
        "show_password=false",
        "PASSWORD_MIN_LENGTH=12",
        "--password",
        "password",
        "Forgot your password? Ask ops.",
        "tcp://10.0.0.5:2376",
        "unix:///var/run/docker.sock",
        'curl -u "$API_USER:$API_TOKEN" https://api.example.com',
        "curl -u admin:$API_TOKEN https://api.example.com",
        "curl -fsS -o /dev/null https://api.example.com/health",
        "mysql -h db -u root -p shop",
        'mysql -h db -u root -p"$MYSQL_PASSWORD" shop',
        "mysql -u root -p$MYSQL_PASSWORD shop",
        "mysql --pager=less shop",
        "mkdir -p /data/uploads",
        "docker run -p 8080:80 web",
        "ssh -p 2222 deploy@h1",
        "",
    ])("%j is not a credential", (value) => {
        expect(credentialIn(value)).toBeUndefined();
    });
});

describe("findCredentials", () => {
    test("walks objects and lists and reports paths only", () => {
        const found = findCredentials({
            app: { env: { DATABASE_URL: "postgres://app:pw@db/app", LOG_LEVEL: "info" }, port: 8080 },
            migration: { command: ["migrate", "--password", "hunter2", "--verbose"], down: ["psql", "--password", "-h", "db"] },
            docker: { host: "ssh://deploy@h1" },
        });
        expect(found).toEqual([
            { path: ["app", "env", "DATABASE_URL"], kind: "url" },
            { path: ["migration", "command", 2], kind: "argument" },
        ]);
    });

    test.each([
        [["curl", "-u", "admin:hunter2", "https://x"], [2]],
        [["curl", "--user", "admin:hunter2", "https://x"], [2]],
        [["/usr/bin/curl", "-uadmin:hunter2", "https://x"], [1]],
        [["curl", "--user=admin:hunter2", "https://x"], [1]],
        [["mysql", "-u", "root", "-phunter2", "shop"], [3]],
        [["mysqldump", "-phunter2", "shop"], [1]],
        [["sh", "-c", "mysql -uroot -phunter2 shop < x.sql"], [2]],
        [["curl", "-u", "$API_USER:$API_TOKEN", "https://x"], []],
        [["curl", "-u", "admin:$API_TOKEN", "https://x"], []],
        [["mysql", "-u", "root", "-p", "shop"], []],
        [["mysql", "--pager=less"], []],
        [["docker", "run", "-p", "8080:80", "web"], []],
        [["mkdir", "-p", "/data"], []],
        [["migrate", "-u", "admin:pw"], []],
    ])("argv %j: password items at %j", (argv, at) => {
        expect(findCredentials(argv).map((f) => f.path[0])).toEqual(at);
    });

    test.each([
        [
            ["app", "env", "DATABASE_URL"],
            /pulumi config rm --path 'app\.env\.DATABASE_URL', then pulumi config set --secret --path 'secretEnv\.DATABASE_URL' VALUE/,
        ],
        [["colors", "green", "env", "API_URL"], /pulumi config set --secret --path 'secretEnv\.API_URL' VALUE/],
        [["migration", "command", 2], /secretEnv\.NAME.*refer to it as \$NAME/],
        [["docker", "host"], /use an SSH key/],
        // Pulumi's --path syntax puts list indexes in brackets.
        [["docker", "hosts", 0, "host"], /pulumi config rm --path 'docker\.hosts\[0\]\.host'; .*use an SSH key/],
        [["backup", "target", "endpoint"], /backupSecrets/],
        [["monitoring", "grafana", "push", "url"], /grafanaToken/],
        [["router", "maintenance", "message"], /credentials belong in a secret key/],
    ])("the fix for %j names the secret key to use", (path, fix) => {
        const m = credentialMessage(`switchyard:${path.join(".")}`, { path, kind: "url" });
        expect(m).toMatch(/looks like a credential .* the value is not shown\. Fix: /);
        expect(m).toMatch(fix);
    });
});
