"""Switch the portal's language as a person would: with the selector in the header."""


def switch_language(page, code):
    if page.locator("html").get_attribute("lang") != code:
        with page.expect_navigation():
            page.locator("#lang-select").select_option(code)
