"""Switch the portal's language as a person would: with the selector in the header."""


def switch_language(page, code):
    if page.locator("html").get_attribute("lang") != code:
        # The selector submits from the page's script: wait until the page has run it.
        page.wait_for_load_state("load")
        with page.expect_navigation():
            page.locator("#lang-select").select_option(code)
