package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser (Debian's headless Chromium through its chromedriver) against a real
 * node and a real OpenID Connect server: sign in by SSO from a deep link, review, see the quorum move,
 * and the pages auditors use. Screenshots of the main pages go to {@code target/screenshots}.
 */
class ConsoleBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @TempDir
    static Path profiles;

    @TempDir
    Path config;

    ConsoleFixture console;
    WebDriver browser;

    @BeforeAll
    static void browserPresent() throws IOException {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && System.getenv("COUNTERSIGN_REQUIRE_BROWSER") != null) {
            throw new AssertionError("COUNTERSIGN_REQUIRE_BROWSER is set but /usr/bin/chromium or /usr/bin/chromedriver is missing"
                    + " (apt-get install chromium chromium-driver)");
        }
        Assumptions.assumeTrue(present, "Chromium and chromedriver are not installed; .ci/run installs them");
        Files.createDirectories(SCREENSHOTS);
    }

    @BeforeEach
    void start() throws IOException {
        console = new ConsoleFixture(config, false);
        browser = newBrowser();
    }

    private WebDriver newBrowser() throws IOException {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                "--window-size=1366,900", "--user-data-dir=" + Files.createTempDirectory(profiles, "chromium").toAbsolutePath());
        // A driver process per browser: quitting the browser stops its own driver, and nothing else.
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        WebDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return driver;
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (console != null) {
            console.close();
        }
    }

    private String url(String path) {
        return console.server.uri(path).toString();
    }

    private WebElement await(By by) {
        return new WebDriverWait(browser, Duration.ofSeconds(15)).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /**
     * Submits a form and waits for the page it leads to: elements of the same id are on both pages. The
     * old page is marked first; while the browser swaps documents its queries may fail, and are retried.
     */
    private void submitWith(By button) {
        JavascriptExecutor script = (JavascriptExecutor) browser;
        script.executeScript("document.documentElement.dataset.left = 'yes'");
        browser.findElement(button).click();
        new WebDriverWait(browser, Duration.ofSeconds(15)).ignoring(WebDriverException.class).until(driver -> Boolean.TRUE.equals(script.executeScript(
                "return document.readyState === 'complete' && document.documentElement.dataset.left === undefined")));
    }

    private void screenshot(String name) throws IOException {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Opens {@code path}, which sends a stranger to sign in; signs in by SSO and lands on {@code path}. */
    private void signInAndOpen(String path, String subject, String email, List<String> groups) {
        console.nextSignIn(subject, email, groups);
        browser.get(url(path));
        await(By.id("sso")).click();
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(ExpectedConditions.urlToBe(url(path)));
    }

    private void noAlert() {
        try {
            browser.switchTo().alert();
            throw new AssertionError("a script ran: an alert is open");
        } catch (NoAlertPresentException expected) {
            // agent-written text stayed text
        }
    }

    @Test
    void aDeepLinkSignsInBySsoThenTwoReviewersReachTheQuorum() throws IOException {
        String xss = "roll out <script>alert('xss')</script><img src=x onerror=alert(2)>";
        String id = console.submit("console.deploy", xss, """
                {"before": {"image": "payments/api:1.9.0", "replicas": 4}, "after": {"image": "payments/api:2.0.1", "replicas": 4}}""");

        signInAndOpen("/requests/" + id, "alice-sub", "alice@example.com", List.of("sre"));
        assertThat(await(By.id("signed-in-as")).getText()).isEqualTo("Alice Archer");
        assertThat(browser.findElement(By.id("summary")).getText()).isEqualTo(xss);
        noAlert();
        assertThat(browser.findElement(By.id("requester")).getText()).contains("deploy-agent").contains("owner carol");
        assertThat(browser.findElement(By.id("diff")).getText()).contains("payments/api:1.9.0").contains("payments/api:2.0.1");
        assertThat(browser.findElements(By.cssSelector("#diff tr.op-add"))).hasSize(1);
        assertThat(browser.findElement(By.id("quorum")).getText()).contains("0 approved; needs 2 approval(s)");
        screenshot("request");

        browser.findElement(By.id("justification")).sendKeys("change window CHG-7 is open");
        submitWith(By.id("approve"));
        assertThat(await(By.id("quorum")).getText()).contains("1 approved");
        assertThat(browser.findElement(By.id("reviews")).getText()).contains("alice").contains("approved").contains("change window CHG-7 is open");
        assertThat(browser.findElements(By.id("decide"))).as("one review per person: no buttons after voting").isEmpty();
        assertThat(console.server.get("alice", "/v1/actions/" + id).body().path("status").asString()).isEqualTo("pending");

        browser.quit();
        browser = newBrowser();
        signInAndOpen("/requests/" + id, "bob-sub", "bob@example.com", List.of("data-owners"));
        submitWith(By.id("approve"));
        assertThat(await(By.id("status")).getText()).isEqualToIgnoringCase("approved");
        assertThat(console.server.get("alice", "/v1/actions/" + id).body().path("status").asString()).isEqualTo("approved");
        screenshot("request-approved");
    }

    @Test
    void theInboxListsWhatIMayReviewAndRefreshesByItself() throws IOException {
        String first = console.submit("console.deploy", "first rollout", "{}");
        signInAndOpen("/inbox", "alice-sub", "alice@example.com", List.of("sre"));
        assertThat(await(By.cssSelector("tr[data-id='" + first + "']")).getText()).contains("console.deploy").contains("first rollout");
        String second = console.submit("console.grant", "grant read on payments", "{}");
        // No reload: htmx polls the list every 5 s.
        assertThat(new WebDriverWait(browser, Duration.ofSeconds(15)).until(
                ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr[data-id='" + second + "']"))).getText()).contains("console.grant");
        List<WebElement> rows = browser.findElements(By.cssSelector("#rows tr[data-id]"));
        assertThat(rows.getFirst().getAttribute("data-id")).as("newest first").isEqualTo(second);
        assertThat(browser.findElement(By.cssSelector("tr[data-id='" + second + "'] .countdown")).getText()).matches("\\d+m \\d+s|\\d+h \\d+m \\d+s");
        screenshot("inbox");

        browser.get(url("/inbox?action=console.grant"));
        assertThat(await(By.id("rows")).findElements(By.cssSelector("tr[data-id]"))).hasSize(1);
    }

    @Test
    void anAdminBreaksGlassInTheBrowserAndAReviewerUpholdsItAfterwards() throws IOException {
        // Bob asks; carol, an admin behind nothing here, breaks glass instead of waiting for an SRE.
        String id = console.submitAs("bob", "console.deploy", "hotfix for the outage", "{\"image\": \"payments/api:2.0.2\"}");
        signInAndOpen("/requests/" + id, "carol-sub", "carol@example.com", List.of("sre", "data-owners"));
        await(By.id("break-glass-form"));
        browser.findElement(By.cssSelector("#break-glass-form summary")).click();
        browser.findElement(By.id("break-glass-justification")).sendKeys("payments are down; both approvers are unreachable");
        submitWith(By.id("break-glass-submit"));
        assertThat(await(By.id("status")).getText()).isEqualToIgnoringCase("approved");
        assertThat(browser.findElement(By.id("break-glass")).getText()).contains("carol")
                .contains("payments are down; both approvers are unreachable").contains("review afterwards: pending");
        assertThat(browser.findElements(By.id("break-glass-form"))).isEmpty();

        browser.quit();
        browser = newBrowser();
        signInAndOpen("/requests/" + id, "alice-sub", "alice@example.com", List.of("sre"));
        browser.findElement(By.id("break-glass-comment")).sendKeys("the outage was real: INC-9");
        submitWith(By.id("uphold"));
        assertThat(await(By.id("break-glass")).getText()).contains("upheld by Alice Archer (alice): the outage was real: INC-9");
        assertThat(browser.findElements(By.id("break-glass-review"))).isEmpty();
        screenshot("break-glass-upheld");
    }

    @Test
    void anAuditorSignedInBySsoNeverReviewsWhateverGroupsTheIdpSends() {
        String id = console.submit("console.deploy", "rollout", "{}");
        signInAndOpen("/requests/" + id, "dana-sub", "dana@example.com", List.of("sre", "data-owners"));
        assertThat(await(By.id("no-buttons")).getText()).contains("dana is an auditor");
        assertThat(browser.findElements(By.id("approve"))).isEmpty();
        assertThat(console.server.get("alice", "/v1/actions/" + id).body().path("reviews")).isEmpty();
    }

    @Test
    void aPersonDisabledInTheIdentitiesFileIsSentToSignInWithinSecondsAndCannotSignInAgain() throws Exception {
        String id = console.submit("console.deploy", "rollout", "{}");
        signInAndOpen("/requests/" + id, "alice-sub", "alice@example.com", List.of("sre"));
        await(By.id("approve"));
        // The file changes on disk; the node applies it by itself, and the open session follows.
        Path identities = config.resolve("identities.yaml");
        Files.writeString(identities, Files.readString(identities).replace("  - id: alice\n", "  - id: alice\n    disabled: true\n"));
        java.time.Instant deadline = java.time.Instant.now().plusSeconds(5);
        do {
            Thread.sleep(250);
            browser.get(url("/requests/" + id));
            assertThat(java.time.Instant.now()).as("signed out within 5 s").isBefore(deadline);
        } while (!browser.getCurrentUrl().startsWith(url("/login")));
        console.nextSignIn("alice-sub", "alice@example.com", List.of("sre"));
        await(By.id("sso")).click();
        assertThat(await(By.id("error")).getText()).contains("is not among the people this Countersign knows");
        assertThat(console.server.get("carol", "/v1/actions/" + id).body().path("reviews")).isEmpty();
    }

    @Test
    void theRequestersOwnerSeesThePageButNoButtons() {
        String id = console.submit("console.deploy", "rollout", "{}");
        signInAndOpen("/requests/" + id, "carol-sub", "carol@example.com", List.of("sre", "data-owners"));
        assertThat(await(By.id("no-buttons")).getText()).contains("cannot review");
        assertThat(browser.findElements(By.id("approve"))).isEmpty();
    }

    @Test
    void aJustificationTheRuleRequiresIsAskedForAndEnforced() {
        String id = console.submit("console.grant", "grant read on payments", "{}");
        signInAndOpen("/requests/" + id, "alice-sub", "alice@example.com", List.of("sre"));
        assertThat(await(By.cssSelector("label[for=justification]")).getText()).contains("required by policy");
        // Even with the browser's own check bypassed, the server refuses an empty justification.
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("document.getElementById('justification').removeAttribute('required')");
        browser.findElement(By.id("approve")).click();
        assertThat(await(By.id("error")).getText()).contains("justification");
        assertThat(console.server.get("alice", "/v1/actions/" + id).body().path("status").asString()).isEqualTo("pending");
    }

    @Test
    void auditorsSeeAVerifiedCheckpointTheKeyAndProofsAndThePolicy() throws IOException {
        String id = console.submit("console.deploy", "rollout", "{}");
        console.server.review("alice", id, "approve", "ok");
        console.server.review("bob", id, "approve", "ok too");
        console.server.node().checkpointer().sign();
        signInAndOpen("/audit", "alice-sub", "alice@example.com", List.of("sre"));
        assertThat(await(By.id("checkpoint")).getText()).startsWith(console.server.node().checkpointer().origin());
        assertThat(browser.findElement(By.id("verifier-key")).getText()).startsWith(console.server.node().checkpointer().origin() + "+");
        browser.findElement(By.id("verify")).click();
        assertThat(await(By.id("verification")).getText()).startsWith("Verified: all");
        assertThat(browser.findElement(By.id("entries")).getText()).contains("action.approved").contains(id);
        screenshot("audit");

        browser.get(url("/history?status=approved"));
        assertThat(await(By.cssSelector("tr[data-id='" + id + "']")).getText()).containsIgnoringCase("approved").contains("tlog-proof");
        screenshot("history");

        browser.get(url("/policy"));
        assertThat(await(By.id("rules")).getText()).contains("console-two").contains("soc2:CC8.1");
        assertThat(browser.findElement(By.id("policy-version")).getText()).isEqualTo(console.server.node().policy().version().value());
        screenshot("policy");

        browser.findElement(By.cssSelector("button.link")).click();
        await(By.id("sso"));
        browser.get(url("/inbox"));
        assertThat(await(By.id("sso")).isDisplayed()).as("signed out: the inbox asks to sign in again").isTrue();
    }

    @Test
    void aTokenForAnotherAudienceOrFromAnotherIssuerDoesNotSignIn() {
        console.nextSignInForAnotherAudience("alice@example.com");
        browser.get(url("/inbox"));
        await(By.id("sso")).click();
        assertThat(await(By.id("error")).getText()).contains("Sign-in failed").containsIgnoringCase("audience");

        console.nextSignInFromAnotherIssuer("alice@example.com");
        await(By.id("sso")).click();
        assertThat(await(By.id("error")).getText()).contains("Sign-in failed").containsIgnoringCase("issuer");
        browser.get(url("/inbox"));
        assertThat(await(By.id("sso")).isDisplayed()).isTrue();
    }
}
