"""Pure domain: models, money and rules, with no AWS, HTTP or rendering imports."""
