"""The employee sidebar (聊天工具栏, issue 19): the JS-SDK's signatures and tickets so far."""
