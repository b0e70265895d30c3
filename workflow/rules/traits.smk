# traits stage: rules are added here (logic in src/phylohub/).
